// Constant operands as pruning meets them: an initializer, or a Constant node's `value`.

import type { Graph } from '../ir/graph.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { decodeTensor } from '../rewrite/value-facts.js';

/** A constant operand: its dims, whether it is an initializer (only those pruning rewrites), and its values when small. */
export interface ConstantOperand {
  dims: number[];
  initializer: boolean;
  values: number[] | undefined;
}

function small(t: TensorProto): number[] | undefined {
  const dims = (t.dims ?? []).map(Number);
  if (dims.reduce((a, b) => a * b, 1) > 64) return undefined;
  const v = decodeTensor(t, () => undefined);
  return v && !Array.isArray(v) ? Array.from(v as ArrayLike<number | bigint>, Number) : undefined;
}

/** The constant behind `value` in `graph`, or undefined when it is computed. */
export function constantOperand(graph: Graph, value: string): ConstantOperand | undefined {
  const init = graph.initializers.get(value);
  if (init) return { dims: (init.dims ?? []).map(Number), initializer: true, values: small(init) };
  const p = graph.producer(value);
  if (p?.opType !== 'Constant' || !p.inDefaultDomain) return undefined;
  const t = p.attribute('value')?.t;
  if (t) return { dims: (t.dims ?? []).map(Number), initializer: false, values: small(t) };
  const f = p.attribute('value_float');
  if (f?.f !== undefined) return { dims: [], initializer: false, values: [f.f] };
  const i = p.attribute('value_int');
  if (i?.i !== undefined) return { dims: [], initializer: false, values: [Number(i.i)] };
  const ints = p.attribute('value_ints');
  if (ints?.ints) return { dims: [ints.ints.length], initializer: false, values: ints.ints.map(Number) };
  return undefined;
}
