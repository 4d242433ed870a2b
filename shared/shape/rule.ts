import type { IrNode } from '../ir/node.js';
import type { AttributeProto, TensorProto, TypeProto } from '../onnx/proto-types.js';
import type { Dim } from './dims.js';
import type { Known, KnownStrings, KnownValue } from './known-values.js';
import { tensorOf, type TensorType, type ValueType } from './types.js';

// The interface between the inference engine and the operator rules: a rule reads its node's
// input types, known input values and attributes through an OpContext, and returns one type per
// output (undefined where it cannot tell). It may also record known output values for data
// propagation. A rule throws ShapeError when the node is invalid for its inputs; the engine
// records that as a failure and carries on with unknown outputs.

/** What a subgraph's inference gave: one entry per subgraph output. */
export interface SubgraphResult {
  readonly types: readonly (ValueType | undefined)[];
  readonly values: readonly (Known | undefined)[];
}

/** A node as a rule sees it. */
export interface OpContext {
  readonly node: IrNode;
  /** Opset version of the node's domain in this model. */
  readonly opset: number;
  readonly inputCount: number;
  readonly outputCount: number;
  /** Whether input i is given (not omitted with '' and not past the end). */
  hasInput(i: number): boolean;
  hasOutput(i: number): boolean;
  type(i: number): ValueType | undefined;
  /** Input i's type when it is a tensor. */
  tensor(i: number): TensorType | undefined;
  /** Input i's shape when it is a tensor of known rank. */
  shape(i: number): readonly Dim[] | undefined;
  /** Input i's element type; 0 when unknown. */
  elem(i: number): number;
  /** Input i's known values (constant, initializer or propagated), numeric or symbolic. */
  value(i: number): KnownValue | undefined;
  strings(i: number): KnownStrings | undefined;
  /** The type of any value visible from this node (for ops that name values in attributes). */
  typeOfName(name: string): ValueType | undefined;
  attribute(name: string): AttributeProto | undefined;
  attrInt(name: string): number | undefined;
  attrInts(name: string): number[] | undefined;
  attrFloat(name: string): number | undefined;
  attrFloats(name: string): number[] | undefined;
  attrString(name: string): string | undefined;
  attrStrings(name: string): string[] | undefined;
  attrTensor(name: string): TensorProto | undefined;
  attrType(name: string): TypeProto | undefined;
  /** Records the known value of output i. */
  setValue(output: number, value: Known | undefined): void;
  /**
   * Infers the subgraph held by attribute `attr` with its formal inputs typed as given (and
   * optionally with known values); values of enclosing graphs are visible inside.
   */
  subgraph(attr: string, inputs: readonly (ValueType | undefined)[], values?: readonly (Known | undefined)[]): SubgraphResult;
  /** Names of the formal inputs of the subgraph held by attribute `attr`. */
  subgraphInputNames(attr: string): readonly string[];
}

/** An operator's inference rule. */
export type OpRule = (ctx: OpContext) => readonly (ValueType | undefined)[];

/** The node is invalid for its inputs (wrong rank, axis out of range...). */
export class ShapeError extends Error {}

/** An axis in [-rank, rank) made non-negative; a ShapeError otherwise. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ShapeError(`${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Input i's tensor type with another element type (and the same shape, or unknown rank). */
export function withElem(ctx: OpContext, i: number, elemType: number): TensorType {
  return tensorOf(elemType, ctx.shape(i) ?? null);
}

/** The element type an op with a `dtype`-style attribute produces: the attribute, else `fallback`. */
export function dtypeAttr(ctx: OpContext, name: string, fallback: number): number {
  const v = ctx.attrInt(name);
  return v === undefined || v === 0 ? fallback : v;
}

/**
 * A view of a node's context whose input i is the node's input `map[i]`: lets a rule reuse another
 * op's rule over a subset of inputs (QLinearConcat's data inputs, for example).
 */
export function remapInputs(ctx: OpContext, map: readonly number[]): OpContext {
  const m = (i: number) => map[i] ?? -1;
  return {
    node: ctx.node,
    opset: ctx.opset,
    inputCount: map.length,
    outputCount: ctx.outputCount,
    hasInput: (i) => ctx.hasInput(m(i)),
    hasOutput: (i) => ctx.hasOutput(i),
    type: (i) => ctx.type(m(i)),
    tensor: (i) => ctx.tensor(m(i)),
    shape: (i) => ctx.shape(m(i)),
    elem: (i) => ctx.elem(m(i)),
    value: (i) => ctx.value(m(i)),
    strings: (i) => ctx.strings(m(i)),
    typeOfName: (n) => ctx.typeOfName(n),
    attribute: (n) => ctx.attribute(n),
    attrInt: (n) => ctx.attrInt(n),
    attrInts: (n) => ctx.attrInts(n),
    attrFloat: (n) => ctx.attrFloat(n),
    attrFloats: (n) => ctx.attrFloats(n),
    attrString: (n) => ctx.attrString(n),
    attrStrings: (n) => ctx.attrStrings(n),
    attrTensor: (n) => ctx.attrTensor(n),
    attrType: (n) => ctx.attrType(n),
    setValue: (o, v) => ctx.setValue(o, v),
    subgraph: (a, t, v) => ctx.subgraph(a, t, v),
    subgraphInputNames: (a) => ctx.subgraphInputNames(a),
  };
}
