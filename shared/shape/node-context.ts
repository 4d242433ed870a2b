import type { IrNode } from '../ir/node.js';
import type { AttributeProto, TensorProto, TypeProto } from '../onnx/proto-types.js';
import type { Dim } from './dims.js';
import { isKnownValue, type Known, type KnownStrings, type KnownValue } from './known-values.js';
import type { OpContext, SubgraphResult } from './rule.js';
import type { Scope } from './scope.js';
import type { TensorType, ValueType } from './types.js';

const utf8 = new TextDecoder('utf-8');

/** How a NodeContext asks the engine to infer one of its node's subgraphs. */
export type SubgraphInferrer = (
  node: IrNode,
  attr: string,
  inputs: readonly (ValueType | undefined)[],
  values: readonly (Known | undefined)[] | undefined,
) => SubgraphResult;

/** The OpContext of one node in one scope; output values it records go to `outValues`. */
export class NodeContext implements OpContext {
  readonly outValues: (Known | undefined)[] = [];

  constructor(
    readonly node: IrNode,
    readonly opset: number,
    private readonly scope: Scope,
    private readonly inferSubgraph: SubgraphInferrer,
  ) {}

  get inputCount(): number {
    return this.node.inputs.length;
  }

  get outputCount(): number {
    return this.node.outputs.length;
  }

  hasInput(i: number): boolean {
    const v = this.node.inputs[i];
    return v !== undefined && v !== '';
  }

  hasOutput(i: number): boolean {
    const v = this.node.outputs[i];
    return v !== undefined && v !== '';
  }

  type(i: number): ValueType | undefined {
    return this.hasInput(i) ? this.scope.typeOf(this.node.inputs[i]!) : undefined;
  }

  tensor(i: number): TensorType | undefined {
    const t = this.type(i);
    return t?.kind === 'tensor' ? t : undefined;
  }

  shape(i: number): readonly Dim[] | undefined {
    return this.tensor(i)?.shape ?? undefined;
  }

  elem(i: number): number {
    return this.tensor(i)?.elemType ?? 0;
  }

  value(i: number): KnownValue | undefined {
    const k = this.hasInput(i) ? this.scope.valueOf(this.node.inputs[i]!) : undefined;
    return isKnownValue(k) ? k : undefined;
  }

  strings(i: number): KnownStrings | undefined {
    const k = this.hasInput(i) ? this.scope.valueOf(this.node.inputs[i]!) : undefined;
    return k && !isKnownValue(k) ? k : undefined;
  }

  typeOfName(name: string): ValueType | undefined {
    return this.scope.typeOf(name);
  }

  attribute(name: string): AttributeProto | undefined {
    return this.node.attribute(name);
  }

  attrInt(name: string): number | undefined {
    const a = this.node.attribute(name);
    return a?.i !== undefined ? Number(a.i) : undefined;
  }

  attrInts(name: string): number[] | undefined {
    return this.node.attribute(name)?.ints?.map(Number);
  }

  attrFloat(name: string): number | undefined {
    return this.node.attribute(name)?.f;
  }

  attrFloats(name: string): number[] | undefined {
    return this.node.attribute(name)?.floats;
  }

  attrString(name: string): string | undefined {
    const s = this.node.attribute(name)?.s;
    return s === undefined ? undefined : utf8.decode(s);
  }

  attrStrings(name: string): string[] | undefined {
    return this.node.attribute(name)?.strings?.map((s) => utf8.decode(s));
  }

  attrTensor(name: string): TensorProto | undefined {
    return this.node.attribute(name)?.t;
  }

  attrType(name: string): TypeProto | undefined {
    return this.node.attribute(name)?.tp;
  }

  setValue(output: number, value: Known | undefined): void {
    this.outValues[output] = value;
  }

  subgraph(attr: string, inputs: readonly (ValueType | undefined)[], values?: readonly (Known | undefined)[]): SubgraphResult {
    return this.inferSubgraph(this.node, attr, inputs, values);
  }

  subgraphInputNames(attr: string): readonly string[] {
    return this.node.subgraphs.find((s) => s.attribute === attr)?.graph.inputs.map((i) => i.name ?? '') ?? [];
  }
}
