import { useEffect, useState } from 'react';
import type { Backend, GraphPath, TensorInfo } from '../../shared/protocol/backend.js';
import { formatDims } from '../graph/value-labels.js';
import { formatNumber, Histogram } from './Histogram.js';

// Statistics of one initializer: shape, type, size, min/max/mean/std/sparsity, a histogram and
// its first values, fetched from the backend when shown (and kept for the session).

const cache = new Map<string, Promise<TensorInfo>>();

function tensorInfo(backend: Backend, modelId: string, path: GraphPath, name: string): Promise<TensorInfo> {
  const key = `${modelId}\u0000${JSON.stringify(path)}\u0000${name}`;
  let p = cache.get(key);
  if (!p) {
    p = backend.getTensor(modelId, path, name);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Drops cached statistics (after the model changes). */
export function forgetTensorStats(): void {
  cache.clear();
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

interface Props {
  backend: Backend;
  modelId: string;
  path: GraphPath;
  name: string;
  /** The input slot it fills (`W`, `B`), when known. */
  slot?: string;
}

export function TensorStats({ backend, modelId, path, name, slot }: Props) {
  const [state, setState] = useState<{ info?: TensorInfo; error?: string }>({});
  useEffect(() => {
    let live = true;
    setState({});
    tensorInfo(backend, modelId, path, name).then(
      (info) => live && setState({ info }),
      (e: Error) => live && setState({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [backend, modelId, path, name]);
  const { info, error } = state;
  return (
    <section className="tensor-stats" aria-label={`tensor statistics ${name}`}>
      <h4>
        {slot ? <span className="slot">{slot}</span> : null} {name}
      </h4>
      {error ? <p role="alert">{error}</p> : null}
      {!info && !error ? <p className="muted">Loading statistics…</p> : null}
      {info ? (
        <>
          <dl className="facts">
            <dt>type</dt>
            <dd>{info.elemType}</dd>
            <dt>shape</dt>
            <dd>{info.dims.length ? `[${formatDims(info.dims)}]` : 'scalar'}</dd>
            <dt>size</dt>
            <dd>
              {bytes(info.byteSize)}
              {info.external ? ' (external data)' : ''}
            </dd>
            {info.stats ? (
              <>
                <dt>min</dt>
                <dd>{formatNumber(info.stats.min)}</dd>
                <dt>max</dt>
                <dd>{formatNumber(info.stats.max)}</dd>
                <dt>mean</dt>
                <dd>{formatNumber(info.stats.mean)}</dd>
                <dt>std</dt>
                <dd>{formatNumber(info.stats.std)}</dd>
                <dt>sparsity</dt>
                <dd>{`${(info.stats.sparsity * 100).toFixed(1)}% zeros`}</dd>
                {info.stats.nanCount ? (
                  <>
                    <dt>NaN</dt>
                    <dd>{info.stats.nanCount}</dd>
                  </>
                ) : null}
              </>
            ) : null}
          </dl>
          {info.histogram ? <Histogram histogram={info.histogram} label={`histogram of ${name}`} /> : null}
          {info.first.length ? (
            <p className="first-values" aria-label={`first values of ${name}`}>
              {info.first.map(formatNumber).join(', ')}
              {info.first.length < info.dims.reduce((a, b) => a * b, 1) ? ', …' : ''}
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
