import { ElemType, elemTypeName, typedDataField, type ElemTypeCode } from '../onnx/element-types.js';
import type { Int64, TensorProto } from '../onnx/proto-types.js';
import { decodeRawValues, encodeRawValues, type EncodableValues } from '../onnx/tensor-values.js';
import { PackedValues, type NumericKind } from '../proto/packed-values.js';

const utf8 = new TextEncoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Decoding gives a number whenever an int64 is exact; build the same so round trips compare equal.
function int64Value(v: bigint): Int64 {
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

function checkDims(name: string, dims: readonly Int64[]): Int64[] {
  return dims.map((d, i) => {
    const ok = typeof d === 'bigint' ? d >= 0n : Number.isSafeInteger(d) && d >= 0;
    if (!ok) throw new RangeError(`tensor "${name}": dimension ${i} (${String(d)}) is not a valid size`);
    return typeof d === 'bigint' ? int64Value(d) : d;
  });
}

function elementCount(dims: readonly Int64[]): number {
  return dims.reduce<number>((n, d) => n * Number(d), 1);
}

function checkCount(name: string, elemType: ElemTypeCode, dims: readonly Int64[], given: number): number {
  const count = elementCount(dims);
  // Complex values come interleaved (re, im): two numbers per element.
  const per = elemType === ElemType.COMPLEX64 || elemType === ElemType.COMPLEX128 ? 2 : 1;
  if (given !== count * per) {
    throw new RangeError(`tensor "${name}": shape [${dims.join(', ')}] needs ${count * per} values, got ${given}`);
  }
  return count;
}

function header(name: string, elemType: ElemTypeCode, dims: Int64[]): TensorProto {
  // A scalar's dims are left absent (an empty repeated field does not survive decoding).
  const t: TensorProto = dims.length ? { dims } : {};
  t.dataType = elemType;
  t.name = name;
  return t;
}

/**
 * A TensorProto holding `values` as little-endian raw_data (how exporters write weights).
 * Numbers are converted to the element type (float16 & co. rounded to nearest even); integers
 * must fit, and int64/uint64 past 2^53 must be bigints to stay exact. Complex values interleave re, im.
 */
export function tensor(name: string, elemType: ElemTypeCode, dims: readonly Int64[], values: EncodableValues): TensorProto {
  if (elemType === ElemType.STRING) throw new TypeError(`tensor "${name}": use stringTensor for strings`);
  const d = checkDims(name, dims);
  checkCount(name, elemType, d, values.length);
  const t = header(name, elemType, d);
  t.rawData = encodeRawValues(elemType, values);
  return t;
}

/** A 0-d tensor (shape []) holding one value as raw_data. */
export function scalar(name: string, elemType: ElemTypeCode, value: number | bigint | boolean): TensorProto {
  return tensor(name, elemType, [], [value]);
}

// Signed types whose int32_data entries are the values themselves, not their bit patterns.
const SIGNED_INT32_ENTRIES: ReadonlySet<number> = new Set([ElemType.INT8, ElemType.INT16, ElemType.INT32]);

// The typed-field entries for raw bytes: one per element, except sub-byte types (one per packed
// byte, as onnx.helper writes them) and complex (re and im).
function typedEntries(name: string, elemType: ElemTypeCode, raw: Uint8Array, count: number): Int64[] {
  const field = typedDataField(elemType);
  if (field === 'floatData' || field === 'doubleData' || SIGNED_INT32_ENTRIES.has(elemType) || elemType === ElemType.BOOL) {
    const decoded = decodeRawValues(elemType, raw, count, { name, copy: true }) as ArrayLike<number>;
    return Array.from(decoded);
  }
  if (field === 'int64Data' || field === 'uint64Data') {
    const decoded = decodeRawValues(elemType, raw, count, { name, copy: true }) as ArrayLike<number | bigint>;
    return Array.from(decoded, (v) => (typeof v === 'bigint' ? int64Value(v) : v));
  }
  if (field !== 'int32Data') throw new TypeError(`tensor "${name}": ${elemTypeName(elemType)} has no typed data field`);
  // uint8/uint16, 16-bit floats, float8 and packed sub-byte types: the unsigned bits.
  if (elemType === ElemType.UINT16 || elemType === ElemType.FLOAT16 || elemType === ElemType.BFLOAT16) {
    return Array.from({ length: raw.length / 2 }, (_, i) => raw[2 * i]! | (raw[2 * i + 1]! << 8));
  }
  return Array.from(raw);
}

const KIND_OF_FIELD: Readonly<Record<string, NumericKind>> = {
  floatData: 'float',
  doubleData: 'double',
  int32Data: 'int32',
  int64Data: 'int64',
  uint64Data: 'uint64',
};

/**
 * A TensorProto holding `values` in the typed field onnx.proto assigns to `elemType`
 * (float_data, int32_data, int64_data, ...), the way onnx.helper.make_tensor does without raw=True:
 * 16-bit and 8-bit floats as their bits, 4-bit and 2-bit types packed into bytes.
 */
export function typedTensor(name: string, elemType: ElemTypeCode, dims: readonly Int64[], values: EncodableValues): TensorProto {
  if (elemType === ElemType.STRING) throw new TypeError(`tensor "${name}": use stringTensor for strings`);
  const d = checkDims(name, dims);
  const count = checkCount(name, elemType, d, values.length);
  const field = typedDataField(elemType);
  if (field === undefined || field === 'stringData') {
    throw new TypeError(`tensor "${name}": ${elemTypeName(elemType)} has no typed data field`);
  }
  // Going through raw bytes gives the same conversions and range checks as `tensor`.
  const entries = typedEntries(name, elemType, encodeRawValues(elemType, values), count);
  const t = header(name, elemType, d);
  t[field] = PackedValues.of(KIND_OF_FIELD[field]!, entries);
  return t;
}

/** A STRING TensorProto (string_data); strings are written as UTF-8, bytes as they are. */
export function stringTensor(name: string, dims: readonly Int64[], values: readonly (string | Uint8Array)[]): TensorProto {
  const d = checkDims(name, dims);
  checkCount(name, ElemType.STRING, d, values.length);
  const t = header(name, ElemType.STRING, d);
  t.stringData = values.map((v) => (typeof v === 'string' ? utf8.encode(v) : v));
  return t;
}
