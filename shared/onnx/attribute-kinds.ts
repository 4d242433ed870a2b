import { AttrType, type AttributeProto } from './proto-types.js';

// Attribute type names as the text writes them (`axis: int = 1`), and an attribute's type when
// an old file left AttributeProto.type unset.

const NAMES: readonly [number, string][] = [
  [AttrType.FLOAT, 'float'],
  [AttrType.INT, 'int'],
  [AttrType.STRING, 'string'],
  [AttrType.TENSOR, 'tensor'],
  [AttrType.GRAPH, 'graph'],
  [AttrType.SPARSE_TENSOR, 'sparse_tensor'],
  [AttrType.TYPE_PROTO, 'type_proto'],
  [AttrType.FLOATS, 'floats'],
  [AttrType.INTS, 'ints'],
  [AttrType.STRINGS, 'strings'],
  [AttrType.TENSORS, 'tensors'],
  [AttrType.GRAPHS, 'graphs'],
  [AttrType.SPARSE_TENSORS, 'sparse_tensors'],
  [AttrType.TYPE_PROTOS, 'type_protos'],
];

const BY_CODE = new Map(NAMES);
const BY_NAME = new Map(NAMES.map(([c, n]) => [n, c]));

/** `int`, `floats`, ... for an AttributeType code. */
export function attrTypeName(code: number): string | undefined {
  return BY_CODE.get(code);
}

/** The AttributeType code of a name the text uses, or undefined. */
export function attrTypeFromName(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** The attribute's type: its `type` field, or (files from IR version 1) the field that holds a value. */
export function attrKind(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.f !== undefined) return AttrType.FLOAT;
  if (a.i !== undefined) return AttrType.INT;
  if (a.s !== undefined) return AttrType.STRING;
  if (a.t !== undefined) return AttrType.TENSOR;
  if (a.g !== undefined) return AttrType.GRAPH;
  if (a.sparseTensor !== undefined) return AttrType.SPARSE_TENSOR;
  if (a.tp !== undefined) return AttrType.TYPE_PROTO;
  if (a.floats?.length) return AttrType.FLOATS;
  if (a.ints?.length) return AttrType.INTS;
  if (a.strings?.length) return AttrType.STRINGS;
  if (a.tensors?.length) return AttrType.TENSORS;
  if (a.graphs?.length) return AttrType.GRAPHS;
  if (a.sparseTensors?.length) return AttrType.SPARSE_TENSORS;
  if (a.typeProtos?.length) return AttrType.TYPE_PROTOS;
  return AttrType.UNDEFINED;
}
