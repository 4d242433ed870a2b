import {
  AttrType,
  type AttributeProto,
  type GraphProto,
  type Int64,
  type SparseTensorProto,
  type TensorProto,
  type TypeProto,
} from '../onnx/proto-types.js';

// Builds AttributeProtos from plain JS values, inferring the attribute type the way onnx.helper's
// make_attribute does, except that an integral number is INT: JS has one number type, so FLOAT
// has to be asked for (attrFloat) where an operator wants 1.0 rather than 1.

const TYPED: unique symbol = Symbol('typedAttributeValue');

/** A value with its attribute type stated, for the cases inference cannot decide. */
export interface TypedAttrValue {
  readonly [TYPED]: number;
  readonly value: unknown;
}

/** What `attr` accepts. */
export type AttrValue =
  | number
  | bigint
  | string
  | Uint8Array
  | TensorProto
  | GraphProto
  | readonly (number | bigint)[]
  | readonly (string | Uint8Array)[]
  | readonly TensorProto[]
  | readonly GraphProto[]
  | TypedAttrValue;

function typed(type: number, value: unknown): TypedAttrValue {
  return { [TYPED]: type, value };
}

/** A FLOAT attribute value even when the number is integral (alpha = 1.0). */
export function attrFloat(value: number): TypedAttrValue {
  return typed(AttrType.FLOAT, value);
}

/** A FLOATS attribute value even when every number is integral or the list is empty. */
export function attrFloats(values: readonly number[]): TypedAttrValue {
  return typed(AttrType.FLOATS, values);
}

/** An INTS attribute value (needed for an empty list). */
export function attrInts(values: readonly Int64[]): TypedAttrValue {
  return typed(AttrType.INTS, values);
}

/** A STRINGS attribute value (needed for an empty list). */
export function attrStrings(values: readonly (string | Uint8Array)[]): TypedAttrValue {
  return typed(AttrType.STRINGS, values);
}

/** A TENSOR attribute value, for a tensor that `attr` cannot tell from a graph. */
export function attrTensor(value: TensorProto): TypedAttrValue {
  return typed(AttrType.TENSOR, value);
}

/** A TENSORS attribute value (needed for an empty list). */
export function attrTensors(values: readonly TensorProto[]): TypedAttrValue {
  return typed(AttrType.TENSORS, values);
}

/** A GRAPH attribute value, for a graph that `attr` cannot tell from a tensor. */
export function attrGraph(value: GraphProto): TypedAttrValue {
  return typed(AttrType.GRAPH, value);
}

/** A GRAPHS attribute value (needed for an empty list). */
export function attrGraphs(values: readonly GraphProto[]): TypedAttrValue {
  return typed(AttrType.GRAPHS, values);
}

/** A SPARSE_TENSOR attribute value. */
export function attrSparseTensor(value: SparseTensorProto): TypedAttrValue {
  return typed(AttrType.SPARSE_TENSOR, value);
}

/** A SPARSE_TENSORS attribute value. */
export function attrSparseTensors(values: readonly SparseTensorProto[]): TypedAttrValue {
  return typed(AttrType.SPARSE_TENSORS, values);
}

/** A TYPE_PROTO attribute value. */
export function attrTypeProto(value: TypeProto): TypedAttrValue {
  return typed(AttrType.TYPE_PROTO, value);
}

/** A TYPE_PROTOS attribute value. */
export function attrTypeProtos(values: readonly TypeProto[]): TypedAttrValue {
  return typed(AttrType.TYPE_PROTOS, values);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const utf8 = new TextEncoder();

function isTyped(v: unknown): v is TypedAttrValue {
  return typeof v === 'object' && v !== null && TYPED in v;
}

function isIntegral(v: unknown): boolean {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

function isStringLike(v: unknown): v is string | Uint8Array {
  return typeof v === 'string' || v instanceof Uint8Array;
}

const TENSOR_ONLY = ['dataType', 'dims', 'rawData', 'floatData', 'int32Data', 'int64Data', 'stringData', 'doubleData', 'uint64Data', 'externalData'];
const GRAPH_ONLY = ['node', 'input', 'output', 'initializer', 'valueInfo', 'sparseInitializer', 'quantizationAnnotation'];

// Both are plain objects; decide by the fields only one of them has. A tensor always has a data
// type, so an object with only a name (an empty graph) is a graph.
function messageKind(v: object): 'tensor' | 'graph' | undefined {
  const tensorLike = TENSOR_ONLY.some((k) => k in v);
  const graphLike = GRAPH_ONLY.some((k) => k in v);
  if (tensorLike && graphLike) return undefined;
  return tensorLike ? 'tensor' : 'graph';
}

function inferType(name: string, v: Exclude<AttrValue, TypedAttrValue>): number {
  if (typeof v === 'number') return Number.isInteger(v) ? AttrType.INT : AttrType.FLOAT;
  if (typeof v === 'bigint') return AttrType.INT;
  if (isStringLike(v)) return AttrType.STRING;
  if (Array.isArray(v)) {
    const list = v as readonly unknown[];
    if (list.length === 0) throw new TypeError(`attribute "${name}": an empty list has no type; use attrInts/attrFloats/...`);
    if (list.every((x) => typeof x === 'number' || typeof x === 'bigint')) {
      return list.every(isIntegral) ? AttrType.INTS : AttrType.FLOATS;
    }
    if (list.every(isStringLike)) return AttrType.STRINGS;
    const kinds = new Set(list.map((x) => (typeof x === 'object' && x !== null ? messageKind(x) : undefined)));
    if (kinds.size === 1 && kinds.has('tensor')) return AttrType.TENSORS;
    if (kinds.size === 1 && kinds.has('graph')) return AttrType.GRAPHS;
    throw new TypeError(`attribute "${name}": cannot tell the type of this list; use attrTensors/attrGraphs/...`);
  }
  const kind = messageKind(v);
  if (kind === 'tensor') return AttrType.TENSOR;
  if (kind === 'graph') return AttrType.GRAPH;
  throw new TypeError(`attribute "${name}": cannot tell a tensor from a graph here; use attrTensor/attrGraph`);
}

function toInt64(name: string, v: unknown): Int64 {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`attribute "${name}": ${v} is outside int64`);
    // Decoding gives a number whenever it is exact; build the same so round trips compare equal.
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  // -0 reads back as 0; store 0 so that a decoded model compares equal to the built one.
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v === 0 ? 0 : v;
  throw new RangeError(`attribute "${name}": ${String(v)} is not an exact integer (use a bigint past 2^53)`);
}

function toFloat(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`attribute "${name}": ${String(v)} is not a number`);
  // The file holds float32; keep exactly what will be written.
  return Math.fround(v);
}

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? utf8.encode(v) : v;
}

function listOf(name: string, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`attribute "${name}": expected a list`);
  return v;
}

/**
 * An AttributeProto with its type inferred from `value`: integral number or bigint → INT, other
 * number → FLOAT, string or bytes → STRING, TensorProto → TENSOR, GraphProto → GRAPH, and lists
 * of those → INTS/FLOATS/STRINGS/TENSORS/GRAPHS. Wrap with attrFloat & co. where that guesses wrong.
 */
export function attr(name: string, value: AttrValue): AttributeProto {
  const type = isTyped(value) ? value[TYPED] : inferType(name, value);
  const v = isTyped(value) ? value.value : value;
  const a: AttributeProto = { name, type };
  switch (type) {
    case AttrType.FLOAT:
      a.f = toFloat(name, v);
      break;
    case AttrType.INT:
      a.i = toInt64(name, v);
      break;
    case AttrType.STRING:
      a.s = toBytes(v as string | Uint8Array);
      break;
    case AttrType.TENSOR:
      a.t = v as TensorProto;
      break;
    case AttrType.GRAPH:
      a.g = v as GraphProto;
      break;
    case AttrType.FLOATS:
      a.floats = listOf(name, v).map((x) => toFloat(name, x));
      break;
    case AttrType.INTS:
      a.ints = listOf(name, v).map((x) => toInt64(name, x));
      break;
    case AttrType.STRINGS:
      a.strings = (listOf(name, v) as (string | Uint8Array)[]).map(toBytes);
      break;
    case AttrType.TENSORS:
      a.tensors = [...(listOf(name, v) as TensorProto[])];
      break;
    case AttrType.GRAPHS:
      a.graphs = [...(listOf(name, v) as GraphProto[])];
      break;
    case AttrType.SPARSE_TENSOR:
      a.sparseTensor = v as SparseTensorProto;
      break;
    case AttrType.SPARSE_TENSORS:
      a.sparseTensors = [...(listOf(name, v) as SparseTensorProto[])];
      break;
    case AttrType.TYPE_PROTO:
      a.tp = v as TypeProto;
      break;
    case AttrType.TYPE_PROTOS:
      a.typeProtos = [...(listOf(name, v) as TypeProto[])];
      break;
    default:
      throw new TypeError(`attribute "${name}": unsupported attribute type ${type}`);
  }
  return a;
}

/** AttributeProtos from a record, in the record's key order (`{ kernel_shape: [3, 3], alpha: 0.2 }`). */
export function attrs(values: Readonly<Record<string, AttrValue>>): AttributeProto[] {
  return Object.entries(values).map(([name, value]) => attr(name, value));
}

/** An attribute of a function body node that refers to the calling node's attribute `refAttrName`. */
export function attrRef(name: string, refAttrName: string, type: number): AttributeProto {
  return { name, refAttrName, type };
}
