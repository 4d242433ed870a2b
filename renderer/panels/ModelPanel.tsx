import type { OpenedModelInfo } from '../../shared/protocol/backend.js';
import type { ValueSummary } from '../../shared/onnx/model-summary.js';
import { formatDims } from '../graph/value-labels.js';

// The model at a glance: format versions, producer, inputs and outputs, metadata, parameters and
// their bytes by element type, and which operators it uses how often.

function typeText(v: ValueSummary): string {
  return v.shape ? `${v.elemType}[${formatDims(v.shape)}]` : v.elemType;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function Values({ title, values }: { title: string; values: ValueSummary[] }) {
  return (
    <>
      <h3>{title}</h3>
      {values.length ? (
        <table className="values">
          <tbody>
            {values.map((v) => (
              <tr key={v.name}>
                <th scope="row">{v.name}</th>
                <td>{typeText(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">none</p>
      )}
    </>
  );
}

export function ModelPanel({ model }: { model: OpenedModelInfo }) {
  const s = model.summary;
  const ops = Object.entries(s.opTypes);
  const most = ops.length ? ops[0][1] : 1;
  return (
    <section className="panel" aria-label="model panel">
      <h2>Model</h2>
      <dl className="facts">
        <dt>file</dt>
        <dd title={model.path ?? model.name}>{model.name}</dd>
        <dt>size</dt>
        <dd>{bytes(model.fileSize)}</dd>
        <dt>IR version</dt>
        <dd>{s.irVersion}</dd>
        <dt>opsets</dt>
        <dd>{s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}</dd>
        <dt>producer</dt>
        <dd>{[s.producerName, s.producerVersion].filter(Boolean).join(' ') || '—'}</dd>
        {s.domain ? (
          <>
            <dt>domain</dt>
            <dd>{s.domain}</dd>
          </>
        ) : null}
        <dt>graph</dt>
        <dd>{s.graphName}</dd>
        <dt>nodes</dt>
        <dd>{s.nodeCountTotal === s.nodeCount ? s.nodeCount : `${s.nodeCount} (${s.nodeCountTotal} with ${s.subgraphCount} subgraphs)`}</dd>
        {s.functionCount ? (
          <>
            <dt>functions</dt>
            <dd>{s.functionCount}</dd>
          </>
        ) : null}
        <dt>parameters</dt>
        <dd>
          {s.parameterCount.toLocaleString('en-US')}
          {s.constantParameterCount ? ` (+${s.constantParameterCount.toLocaleString('en-US')} in Constant nodes)` : ''}
        </dd>
        <dt>initializers</dt>
        <dd>{s.initializerCount}</dd>
      </dl>
      <Values title="Inputs" values={s.inputs} />
      <Values title="Outputs" values={s.outputs} />
      <h3>Parameter bytes by type</h3>
      <table className="values">
        <tbody>
          {Object.entries(s.parameterBytesByType).map(([type, n]) => (
            <tr key={type}>
              <th scope="row">{type}</th>
              <td>{bytes(n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.externalDataFiles.length ? (
        <>
          <h3>External data</h3>
          <ul>
            {s.externalDataFiles.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </>
      ) : null}
      {Object.keys(s.metadata).length ? (
        <>
          <h3>Metadata</h3>
          <table className="values">
            <tbody>
              {Object.entries(s.metadata).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h3>Operators</h3>
      <table className="op-histogram" aria-label="operator histogram">
        <tbody>
          {ops.map(([op, n]) => (
            <tr key={op}>
              <th scope="row">{op}</th>
              <td>
                <span className="bar" style={{ width: `${Math.max(2, (60 * n) / most)}%` }} />
                {n}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
