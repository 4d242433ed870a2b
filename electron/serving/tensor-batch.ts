// Merging requests along the batch dim (the first) and splitting the outputs back by rows.

import type { HostTensor } from '../runtime-host/host-protocol.js';
import { makeArray, type TypedArray } from './datatypes.js';

/** The dims after the first, as a key: requests merge only when these agree for every input. */
export function rowShapeKey(inputs: readonly HostTensor[]): string {
  return inputs.map((t) => `${t.name}:${t.type}:${t.dims.slice(1).join('x')}`).sort().join(';');
}

function concat(parts: HostTensor[]): HostTensor {
  const first = parts[0]!;
  const rows = parts.reduce((a, p) => a + p.dims[0]!, 0);
  const dims = [rows, ...first.dims.slice(1)];
  if (Array.isArray(first.data)) return { ...first, dims, data: parts.flatMap((p) => p.data as string[]) };
  const n = parts.reduce((a, p) => a + (p.data as TypedArray).length, 0);
  const out = makeArray(first.type, n);
  let at = 0;
  for (const p of parts) {
    const d = p.data as TypedArray;
    (out as Float32Array).set(d as Float32Array, at);
    at += d.length;
  }
  return { ...first, dims, data: out };
}

/** Each input of the requests concatenated along its first dim, in request order. */
export function mergeInputs(requests: readonly HostTensor[][]): HostTensor[] {
  return requests[0]!.map((t) => concat(requests.map((r) => r.find((x) => x.name === t.name)!)));
}

/** The outputs of a merged run cut back into each request's rows; undefined when an output's first dim is not the rows' total. */
export function splitOutputs(outputs: readonly HostTensor[], rows: readonly number[]): HostTensor[][] | undefined {
  const total = rows.reduce((a, b) => a + b, 0);
  if (outputs.some((o) => o.dims[0] !== total)) return undefined;
  const result: HostTensor[][] = rows.map(() => []);
  for (const o of outputs) {
    const per = o.dims.slice(1).reduce((a, b) => a * b, 1);
    let row = 0;
    rows.forEach((r, k) => {
      const data = Array.isArray(o.data) ? o.data.slice(row * per, (row + r) * per) : (o.data as TypedArray).slice(row * per, (row + r) * per);
      result[k]!.push({ name: o.name, type: o.type, dims: [r, ...o.dims.slice(1)], data });
      row += r;
    });
  }
  return result;
}
