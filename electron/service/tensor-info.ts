import type { Graph } from '../../shared/ir/graph.js';
import { ElemType, elemTypeName, rawByteLength } from '../../shared/onnx/element-types.js';
import { externalDataOf } from '../../shared/onnx/external-data.js';
import { elementCount } from '../../shared/onnx/model-summary.js';
import type { TensorProto } from '../../shared/onnx/proto-types.js';
import type { NumericTensorValues } from '../../shared/onnx/tensor-values.js';
import { summarizeValues } from '../../shared/onnx/value-stats.js';
import type { TensorInfo } from '../../shared/protocol/backend.js';
import { decodeTensor } from '../../shared/rewrite/value-facts.js';
import { histogramOf } from './tensor-histogram.js';

/** Bins of the histogram the node panel draws. */
export const HISTOGRAM_BINS = 64;
/** How many leading values the panel lists. */
const FIRST_VALUES = 16;

/** A tensor the panel can show: an initializer, or the value of a Constant node. */
export type TensorSource =
  | { kind: 'proto'; name: string; tensor: TensorProto }
  | { kind: 'values'; name: string; elemType: number; dims: number[]; values: NumericTensorValues };

// Constant's scalar and list forms (value_float, value_ints, ...) as values.
function constantSource(name: string, graph: Graph): TensorSource | undefined {
  const node = graph.producer(name);
  if (!node || node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) return undefined;
  for (const a of node.attributes) {
    switch (a.name) {
      case 'value':
        return a.t ? { kind: 'proto', name, tensor: a.t } : undefined;
      case 'value_float':
        return { kind: 'values', name, elemType: ElemType.FLOAT, dims: [], values: Float32Array.of(a.f ?? 0) };
      case 'value_floats':
        return { kind: 'values', name, elemType: ElemType.FLOAT, dims: [a.floats?.length ?? 0], values: Float32Array.from(a.floats ?? []) };
      case 'value_int':
        return { kind: 'values', name, elemType: ElemType.INT64, dims: [], values: BigInt64Array.of(BigInt(a.i ?? 0)) };
      case 'value_ints':
        return { kind: 'values', name, elemType: ElemType.INT64, dims: [a.ints?.length ?? 0], values: BigInt64Array.from((a.ints ?? []).map((i) => BigInt(i))) };
    }
  }
  return undefined;
}

/** Finds the tensor called `name` as seen from `graph`: its initializers, Constant nodes, then enclosing graphs'. */
export function findTensor(graph: Graph, name: string): TensorSource | undefined {
  for (let g: Graph | undefined = graph; g; g = g.parent) {
    const t = g.initializers.get(name);
    if (t) return { kind: 'proto', name, tensor: t };
    const c = constantSource(name, g);
    if (c) return c;
    if (g.defines(name)) return undefined;
  }
  return undefined;
}

function byteSizeOf(t: TensorProto): number {
  const ext = externalDataOf(t);
  if (ext) return ext.length ?? rawByteLength(t.dataType ?? 0, elementCount(t)) ?? 0;
  if (t.rawData) return t.rawData.length;
  return rawByteLength(t.dataType ?? 0, elementCount(t)) ?? 0;
}

/** Statistics, histogram and first values of decoded values. */
export function statsOf(values: NumericTensorValues): Pick<TensorInfo, 'stats' | 'histogram' | 'first'> {
  if (values.length === 0) return { stats: null, histogram: null, first: [] };
  const s = summarizeValues(values, FIRST_VALUES);
  return {
    stats: { min: s.min, max: s.max, mean: s.mean, std: s.std, zeros: s.zeros, nanCount: s.nanCount, sparsity: s.zeros / s.count },
    histogram: histogramOf(values, HISTOGRAM_BINS, s.min, s.max),
    first: s.first,
  };
}

/**
 * The node panel's view of a tensor. Values are decoded only now (external data is read now,
 * from the file, not at open); strings get no statistics.
 */
export async function tensorInfo(source: TensorSource, externalBytes: (t: TensorProto) => Promise<Uint8Array | undefined>): Promise<TensorInfo> {
  if (source.kind === 'values') {
    const bytes = rawByteLength(source.elemType, source.values.length) ?? 0;
    return { name: source.name, elemType: elemTypeName(source.elemType), dims: source.dims, byteSize: bytes, external: false, ...statsOf(source.values) };
  }
  const t = source.tensor;
  const base = {
    name: source.name,
    elemType: elemTypeName(t.dataType ?? 0),
    dims: (t.dims ?? []).map(Number),
    byteSize: byteSizeOf(t),
    external: t.dataLocation === 1,
  };
  if ((t.dataType ?? 0) === ElemType.STRING) return { ...base, stats: null, histogram: null, first: [] };
  const external = t.dataLocation === 1 ? await externalBytes(t) : undefined;
  const values = decodeTensor(t, () => external);
  if (!values || Array.isArray(values)) return { ...base, stats: null, histogram: null, first: [] };
  return { ...base, ...statsOf(values as NumericTensorValues) };
}
