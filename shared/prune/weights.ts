// Float32 weights of the layers pruning works on: read from and written back to initializers,
// and which input of each layer kind holds its weight and in which axis its output channels lie.

import { tensor } from '../builder/tensors.js';
import { WorkbenchError } from '../errors.js';
import { attrInt } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import { ElemType } from '../onnx/element-types.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { decodeTensor } from '../rewrite/value-facts.js';

/** The ops whose weights pruning changes. */
export const PRUNABLE_OPS = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'] as const;

/** A float32 weight: its values (a copy) and dims. */
export interface Weight {
  name: string;
  dims: number[];
  values: Float32Array;
}

export type ExternalBytes = (t: TensorProto) => Uint8Array | undefined;

/** A layer's weight: where it is, the axis of its output channels and of its reduction (input channels). */
export interface LayerWeight {
  node: IrNode;
  init: string;
  dims: number[];
  outAxis: number;
  inAxis: number;
}

/** The float32 initializer `name`, decoded; undefined when it is not one. */
export function readWeight(graph: Graph, name: string, ext: ExternalBytes = () => undefined): Weight | undefined {
  const t = graph.initializers.get(name);
  if (!t || t.dataType !== ElemType.FLOAT) return undefined;
  const v = decodeTensor(t, ext);
  if (!v || Array.isArray(v)) throw new WorkbenchError('TENSOR_DATA', `prune: cannot read the values of initializer '${name}'`);
  return { name, dims: (t.dims ?? []).map(Number), values: Float32Array.from(v as ArrayLike<number>) };
}

/** Replaces (or adds) the float32 initializer `name`. */
export function writeWeight(graph: Graph, name: string, dims: readonly number[], values: Float32Array): void {
  graph.addInitializer(tensor(name, ElemType.FLOAT, dims, values));
}

/** The weight of a Conv/ConvTranspose/Gemm/MatMul whose weight is a float32 initializer; else undefined. */
export function layerWeight(graph: Graph, node: IrNode): LayerWeight | undefined {
  if (!node.inDefaultDomain || !(PRUNABLE_OPS as readonly string[]).includes(node.opType)) return undefined;
  const init = node.inputs[1];
  if (!init) return undefined;
  const t = graph.initializers.get(init);
  if (!t || t.dataType !== ElemType.FLOAT) return undefined;
  const dims = (t.dims ?? []).map(Number);
  switch (node.opType) {
    case 'Conv':
      return dims.length >= 3 ? { node, init, dims, outAxis: 0, inAxis: 1 } : undefined;
    case 'ConvTranspose':
      return dims.length >= 3 ? { node, init, dims, outAxis: 1, inAxis: 0 } : undefined;
    case 'Gemm': {
      if (dims.length !== 2) return undefined;
      const transB = attrInt(node, 'transB', 0) === 1;
      return { node, init, dims, outAxis: transB ? 0 : 1, inAxis: transB ? 1 : 0 };
    }
    default:
      return dims.length === 2 ? { node, init, dims, outAxis: 1, inAxis: 0 } : undefined;
  }
}

/** Strides of a row-major tensor of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** `values` of `dims` with the indices `remove` of `axis` left out; returns the new dims and values. */
export function dropIndices(dims: readonly number[], values: Float32Array, axis: number, remove: ReadonlySet<number>): { dims: number[]; values: Float32Array } {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  const keep = [...Array(n).keys()].filter((i) => !remove.has(i));
  const out = new Float32Array(outer * keep.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const i of keep) {
      const from = (o * n + i) * inner;
      out.set(values.subarray(from, from + inner), k);
      k += inner;
    }
  }
  const nd = [...dims];
  nd[axis] = keep.length;
  return { dims: nd, values: out };
}
