import type { ElemTypeCode } from '../onnx/element-types.js';
import type { DimensionProto, TypeProto, ValueInfoProto } from '../onnx/proto-types.js';

/** One dimension: a size, a symbolic name ('batch'), or null/undefined for unknown. */
export type DimSpec = number | bigint | string | null | undefined;

/** A shape: one entry per dimension; null or undefined for an unknown rank (no shape at all). */
export type ShapeSpec = readonly DimSpec[] | null | undefined;

function dimension(d: DimSpec, i: number): DimensionProto {
  if (d === null || d === undefined) return {};
  if (typeof d === 'string') return { dimParam: d };
  if (typeof d === 'bigint') {
    if (d < 0n || d > 0x7fffffffffffffffn) throw new RangeError(`dimension ${i}: ${d} is not a valid size`);
    // Decoding gives a number whenever it is exact; build the same so round trips compare equal.
    return { dimValue: d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d };
  }
  if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`dimension ${i}: ${d} is not a valid size (use a bigint past 2^53)`);
  return { dimValue: d };
}

/** A tensor TypeProto; `shape` entries are sizes, symbolic names or null (unknown). */
export function tensorType(elemType: ElemTypeCode, shape?: ShapeSpec): TypeProto {
  const tensor: NonNullable<TypeProto['tensorType']> = { elemType };
  // A scalar's shape is present but has no dims; an empty `dim` list would not survive decoding.
  if (shape) tensor.shape = shape.length ? { dim: shape.map(dimension) } : {};
  return { tensorType: tensor };
}

/** A sequence TypeProto of the given element type (for example `sequenceType(tensorType(FLOAT))`). */
export function sequenceType(elem: TypeProto): TypeProto {
  return { sequenceType: { elemType: elem } };
}

/** An optional TypeProto of the given element type. */
export function optionalType(elem: TypeProto): TypeProto {
  return { optionalType: { elemType: elem } };
}

/**
 * A ValueInfoProto: `valueInfo('x', ElemType.FLOAT, ['N', 3, null])` or, for a non-tensor type,
 * `valueInfo('s', sequenceType(...))`. With neither a type nor a shape, only the name is set
 * (subgraph outputs and intermediate values may leave their type to inference).
 */
export function valueInfo(name: string, type?: ElemTypeCode | TypeProto, shape?: ShapeSpec): ValueInfoProto {
  if (type === undefined) {
    if (shape) throw new TypeError(`value info "${name}": a shape needs an element type`);
    return { name };
  }
  if (typeof type === 'number') return { name, type: tensorType(type, shape) };
  if (shape) throw new TypeError(`value info "${name}": give the shape inside the TypeProto`);
  return { name, type };
}
