// Writes a graph the way exporters do: one node per call, constants as Constant nodes where
// exporters emit them (each use its own, so duplicates are there to merge), weights as seeded
// initializers so that every run generates the same model.

import { node, tensor, type AttrValue } from '../../../shared/builder/index.js';
import { ElemType, type ElemTypeCode } from '../../../shared/onnx/element-types.js';
import type { NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { mulberry32 } from '../../../shared/verify/prng.js';

export class GraphWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly random: () => number;
  private count = 0;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  /** Appends one node; returns its outputs' names (`outputs` of them, named after the node). */
  ops(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, outputs = 1, name?: string): string[] {
    const id = name ?? `/${opType}_${this.count}`;
    this.count++;
    const outs = Array.from({ length: outputs }, (_, i) => `${id}_output_${i}`);
    this.nodes.push(node(opType, inputs, outs, Object.keys(attributes).length ? attributes : undefined, { name: id }));
    return outs;
  }

  /** Appends one node with one output; returns that output's name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, name?: string): string {
    return this.ops(opType, inputs, attributes, 1, name)[0]!;
  }

  /** A Constant node (as torch.onnx emits for literals), a fresh one on every call. */
  constant(elemType: ElemTypeCode, dims: readonly number[], values: readonly number[]): string {
    const id = `/Constant_${this.count}`;
    const v = elemType === ElemType.INT64 ? values.map((x) => BigInt(x)) : values;
    return this.op('Constant', [], { value: tensor(`${id}_value`, elemType, dims, v as number[] | bigint[]) }, id);
  }

  /** A float scalar Constant. */
  scalar(value: number): string {
    return this.constant(ElemType.FLOAT, [], [value]);
  }

  /** An int64 1-d Constant. */
  ints(values: readonly number[]): string {
    return this.constant(ElemType.INT64, [values.length], values);
  }

  /** A seeded float32 initializer: uniform in [center - scale, center + scale). */
  weight(name: string, dims: readonly number[], scale: number, center = 0): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = center + (this.random() * 2 - 1) * scale;
    this.initializers.push({ dims: [...dims], dataType: ElemType.FLOAT, name, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** An initializer from given values. */
  initializer(name: string, elemType: ElemTypeCode, dims: readonly number[], values: readonly number[] | readonly bigint[]): string {
    this.initializers.push(tensor(name, elemType, dims, values as number[]));
    return name;
  }
}
