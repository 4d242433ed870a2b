// Values a model itself tells for its integer scalar inputs: a `sr` input compared with
// Equal against a constant 16000 picks a branch, and a random draw almost never matches it
// (Silero VAD fails on any other rate). Generated inputs take such a value instead of a draw.

import { isIntegerType } from '../onnx/element-types.js';
import type { GraphProto, TensorProto } from '../onnx/proto-types.js';
import { runtimeInputs } from './input-spec.js';
import { tensorValues } from './tensor-data.js';

/** A value the graph compares an input with, and the node that does. */
export interface ComparedValue {
  value: number;
  node: string;
}

function isScalarShape(dims: readonly { dimValue?: number | bigint }[] | undefined): boolean {
  return (dims ?? []).every((d) => d.dimValue !== undefined && Number(d.dimValue) === 1);
}

// The one number of a one-element constant, when it is an exact integer.
function oneNumber(t: TensorProto | undefined): number | undefined {
  if (!t || (t.dims ?? []).some((d) => Number(d) !== 1) || t.dataLocation === 1) return undefined;
  try {
    const v = tensorValues(t)[0];
    const n = typeof v === 'bigint' ? Number(v) : v;
    return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function constantsOf(graph: GraphProto): Map<string, TensorProto> {
  const out = new Map<string, TensorProto>((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const n of graph.node ?? []) {
    const t = n.opType === 'Constant' ? n.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (t && n.output?.[0]) out.set(n.output[0], t);
  }
  return out;
}

/**
 * For each integer runtime input of one element, the constants that Equal nodes of the main
 * graph compare it with, in node order and without repeats.
 */
export function comparedValues(graph: GraphProto): Map<string, ComparedValue[]> {
  const wanted = new Set(
    runtimeInputs(graph)
      .filter((i) => isIntegerType(i.type?.tensorType?.elemType ?? 0) && i.type?.tensorType?.shape && isScalarShape(i.type.tensorType.shape.dim))
      .map((i) => i.name ?? ''),
  );
  const out = new Map<string, ComparedValue[]>();
  if (!wanted.size) return out;
  const constants = constantsOf(graph);
  for (const n of graph.node ?? []) {
    if (n.opType !== 'Equal' || n.input?.length !== 2) continue;
    const [a, b] = n.input;
    const input = wanted.has(a!) ? a! : wanted.has(b!) ? b! : undefined;
    const value = oneNumber(constants.get(input === a ? b! : a!));
    if (input === undefined || value === undefined) continue;
    const list = out.get(input) ?? [];
    if (!list.some((c) => c.value === value)) list.push({ value, node: n.name ?? '' });
    out.set(input, list);
  }
  return out;
}
