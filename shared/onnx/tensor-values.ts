// Decoding tensor values from raw_data / typed fields into typed arrays, and encoding them back.
//
// Representation (TensorValues), one typed array per element type:
//   float, float16, bfloat16, float8*, float4e2m1, float8e8m0 -> Float32Array (exact values)
//   double -> Float64Array;  complex64 / complex128 -> Float32Array / Float64Array, interleaved re,im
//   int8, int4, int2 -> Int8Array;  uint8, uint4, uint2, bool (0/1) -> Uint8Array
//   int16 / uint16 / int32 / uint32 -> Int16Array / Uint16Array / Int32Array / Uint32Array
//   int64 / uint64 -> BigInt64Array / BigUint64Array (exact)
//   string -> Uint8Array[] (the bytes as stored; onnx strings are UTF-8 but need not be valid)
//
// NaN payloads: decoding writes float32 bit patterns, so every float16/bfloat16/E5M2 NaN keeps
// its payload and E4M3FN keeps its sign; encoding from a Float32Array reads bits and gives the
// original pattern back. The FNUZ formats and E8M0 have a single NaN, so nothing is lost there.
// Values passed as JS numbers may have signalling NaNs quieted by the engine.

import { WorkbenchError } from '../errors.js';
import { ElemType, bitsPerElement, elemTypeName, rawByteLength, type ElemTypeCode } from './element-types.js';
import { f32BitsRoundToOdd, FLOAT16, FORMATS, smallFloatEncoder, smallFloatTable, tableOf } from './small-floats.js';

/** Decoded tensor values; see the table at the top of this file for which array each type gives. */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Uint8Array[];

/** Every TensorValues form except strings. */
export type NumericTensorValues = Exclude<TensorValues, Uint8Array[]>;

/** What encodeRawValues accepts: decoded values, or plain arrays of numbers / bigints / booleans. */
export type EncodableValues = NumericTensorValues | ArrayLike<number | bigint | boolean>;

export interface DecodeOptions {
  /** Always return fresh memory. Otherwise aligned little-endian data may alias `bytes`. */
  copy?: boolean;
  /** Tensor name, put in error messages. */
  name?: string;
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Decoding

function fail(name: string | undefined, message: string): never {
  throw new WorkbenchError('TENSOR_DATA', name === undefined ? message : `tensor '${name}': ${message}`);
}

function checkCount(elementCount: number, name: string | undefined): void {
  if (!Number.isSafeInteger(elementCount) || elementCount < 0) fail(name, `invalid element count ${elementCount}`);
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let l = i, r = i + size - 1; l < r; l++, r--) {
      const t = b[l]!;
      b[l] = b[r]!;
      b[r] = t;
    }
  }
}

type ArrayMaker<T> = (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;

// A typed view over little-endian bytes: aliasing when possible, else an aligned (byte-swapped) copy.
function leArray<T>(bytes: Uint8Array, length: number, size: number, make: ArrayMaker<T>, copy: boolean): T {
  if (LITTLE_ENDIAN && !copy && bytes.byteOffset % size === 0) return make(bytes.buffer, bytes.byteOffset, length);
  // `new Uint8Array(view)` always copies; `.slice()` on a Node Buffer (what files are read into) is a view.
  const c = new Uint8Array(bytes);
  if (!LITTLE_ENDIAN) swapBytes(c, size);
  return make(c.buffer, 0, length);
}

function decodeVia(table: Uint32Array, bytes: Uint8Array, n: number, bytesPer: 1 | 2): Float32Array {
  const out = new Float32Array(n);
  const o = new Uint32Array(out.buffer);
  if (bytesPer === 1) for (let i = 0; i < n; i++) o[i] = table[bytes[i]!]!;
  else for (let i = 0; i < n; i++) o[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  return out;
}

// Sub-byte elements, low bits first; `signed` sign-extends through the int32 shift pair.
function unpackBits(bytes: Uint8Array, n: number, bits: 2 | 4, out: Int8Array | Uint8Array, signed: boolean): void {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const up = 32 - bits;
  for (let i = 0; i < n; i++) {
    const v = (bytes[(i / perByte) | 0]! >>> ((i % perByte) * bits)) & mask;
    out[i] = signed ? (v << up) >> up : v;
  }
}

/**
 * Decodes little-endian raw_data bytes of `elementCount` elements. Plain types (float, double,
 * complex, int8..uint64) alias `bytes` when it is aligned on a little-endian platform, unless
 * `options.copy`: copy before mutating. Throws WorkbenchError 'TENSOR_DATA' on a size mismatch.
 */
export function decodeRawValues(
  elemType: ElemTypeCode,
  bytes: Uint8Array,
  elementCount: number,
  options: DecodeOptions = {},
): TensorValues {
  const { name, copy = false } = options;
  checkCount(elementCount, name);
  const expected = rawByteLength(elemType, elementCount);
  if (expected === undefined) {
    fail(name, `${elemTypeName(elemType)} tensors cannot be stored as raw data`);
  }
  if (bytes.length !== expected) {
    fail(name, `${elemTypeName(elemType)} data of ${elementCount} elements needs ${expected} bytes, got ${bytes.length}`);
  }
  const n = elementCount;
  switch (elemType) {
    case ElemType.FLOAT:
      return leArray(bytes, n, 4, (b, o, l) => new Float32Array(b, o, l), copy);
    case ElemType.COMPLEX64:
      return leArray(bytes, 2 * n, 4, (b, o, l) => new Float32Array(b, o, l), copy);
    case ElemType.DOUBLE:
      return leArray(bytes, n, 8, (b, o, l) => new Float64Array(b, o, l), copy);
    case ElemType.COMPLEX128:
      return leArray(bytes, 2 * n, 8, (b, o, l) => new Float64Array(b, o, l), copy);
    case ElemType.INT16:
      return leArray(bytes, n, 2, (b, o, l) => new Int16Array(b, o, l), copy);
    case ElemType.UINT16:
      return leArray(bytes, n, 2, (b, o, l) => new Uint16Array(b, o, l), copy);
    case ElemType.INT32:
      return leArray(bytes, n, 4, (b, o, l) => new Int32Array(b, o, l), copy);
    case ElemType.UINT32:
      return leArray(bytes, n, 4, (b, o, l) => new Uint32Array(b, o, l), copy);
    case ElemType.INT64:
      return leArray(bytes, n, 8, (b, o, l) => new BigInt64Array(b, o, l), copy);
    case ElemType.UINT64:
      return leArray(bytes, n, 8, (b, o, l) => new BigUint64Array(b, o, l), copy);
    case ElemType.INT8:
      return copy ? new Int8Array(new Uint8Array(bytes).buffer) : new Int8Array(bytes.buffer, bytes.byteOffset, n);
    case ElemType.UINT8:
      return copy ? new Uint8Array(bytes) : bytes;
    case ElemType.BOOL: {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case ElemType.FLOAT16:
      return decodeVia(tableOf(FLOAT16), bytes, n, 2);
    case ElemType.BFLOAT16: {
      const out = new Float32Array(n);
      const o = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) o[i] = (bytes[2 * i]! << 16) | (bytes[2 * i + 1]! << 24);
      return out;
    }
    case ElemType.FLOAT4E2M1: {
      const t = tableOf(FORMATS.get(ElemType.FLOAT4E2M1)!);
      const out = new Float32Array(n);
      const o = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) o[i] = t[(bytes[i >>> 1]! >>> ((i & 1) * 4)) & 0xf]!;
      return out;
    }
    case ElemType.INT4:
    case ElemType.INT2: {
      const out = new Int8Array(n);
      unpackBits(bytes, n, elemType === ElemType.INT4 ? 4 : 2, out, true);
      return out;
    }
    case ElemType.UINT4:
    case ElemType.UINT2: {
      const out = new Uint8Array(n);
      unpackBits(bytes, n, elemType === ElemType.UINT4 ? 4 : 2, out, false);
      return out;
    }
  }
  const table = smallFloatTable(elemType);
  if (table) return decodeVia(table, bytes, n, 1);
  return fail(name, `cannot decode ${elemTypeName(elemType)} values`);
}

/** Entries the typed field holds for `elementCount` elements (complex: 2 each; int4: 2 per entry; int2: 4). */
export function typedEntryCount(elemType: ElemTypeCode, elementCount: number): number {
  switch (elemType) {
    case ElemType.COMPLEX64:
    case ElemType.COMPLEX128:
      return 2 * elementCount;
    case ElemType.INT4:
    case ElemType.UINT4:
    case ElemType.FLOAT4E2M1:
      return Math.ceil(elementCount / 2);
    case ElemType.INT2:
    case ElemType.UINT2:
      return Math.ceil(elementCount / 4);
    default:
      return elementCount;
  }
}

function toNum(v: number | bigint): number {
  return typeof v === 'number' ? v : Number(v);
}

function toBig(v: number | bigint, name: string | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) fail(name, `64-bit integer entry ${v} is not an integer`);
  return BigInt(v);
}

/**
 * Decodes values from the typed TensorProto field that typedDataField names (int32Data carries
 * 16-bit floats as their bits, float8 likewise, 4-bit types two per entry, 2-bit types four).
 * Throws WorkbenchError 'TENSOR_DATA' when the number of entries does not match.
 */
export function decodeTypedValues(
  elemType: ElemTypeCode,
  values: ArrayLike<number | bigint> | readonly Uint8Array[],
  elementCount: number,
  options: DecodeOptions = {},
): TensorValues {
  const { name } = options;
  checkCount(elementCount, name);
  const entries = typedEntryCount(elemType, elementCount);
  if (values.length !== entries) {
    fail(name, `${elemTypeName(elemType)} data of ${elementCount} elements needs ${entries} entries, got ${values.length}`);
  }
  if (elemType === ElemType.STRING) {
    const strings = Array.from(values as ArrayLike<unknown>);
    for (const s of strings) if (!(s instanceof Uint8Array)) fail(name, 'string data entries must be bytes');
    return strings as Uint8Array[];
  }
  const v = values as ArrayLike<number | bigint>;
  const n = entries;
  const fill = <T extends { [i: number]: number }>(out: T): T => {
    for (let i = 0; i < n; i++) out[i] = toNum(v[i]!);
    return out;
  };
  switch (elemType) {
    case ElemType.FLOAT:
    case ElemType.COMPLEX64:
      return fill(new Float32Array(n));
    case ElemType.DOUBLE:
    case ElemType.COMPLEX128:
      return fill(new Float64Array(n));
    case ElemType.INT32:
      return fill(new Int32Array(n));
    case ElemType.UINT32:
      return fill(new Uint32Array(n)); // stored in uint64Data; the store keeps the low 32 bits
    case ElemType.INT64: {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, toBig(v[i]!, name));
      return out;
    }
    case ElemType.UINT64: {
      const out = new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt.asUintN(64, toBig(v[i]!, name));
      return out;
    }
  }
  if (elemType === ElemType.BOOL) {
    // Any non-zero entry is true, even one whose low byte is zero.
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = toNum(v[i]!) !== 0 ? 1 : 0;
    return out;
  }
  // The remaining int32Data types hold 8 or 16 bits per entry: lay them out as raw_data and reuse that decoder.
  const bits = bitsPerElement(elemType);
  if (bits === undefined || bits > 16) fail(name, `cannot decode ${elemTypeName(elemType)} values`);
  const bytesPer = bits === 16 ? 2 : 1;
  const raw = new Uint8Array(n * bytesPer);
  for (let i = 0; i < n; i++) {
    const x = toNum(v[i]!);
    raw[i * bytesPer] = x & 0xff;
    if (bytesPer === 2) raw[i * 2 + 1] = (x >>> 8) & 0xff;
  }
  return decodeRawValues(elemType, raw, elementCount, { name, copy: true });
}

// ---------------------------------------------------------------------------------------------
// Encoding

const INT_RANGES: ReadonlyMap<number, readonly [number, number]> = new Map([
  [ElemType.INT8, [-128, 127]],
  [ElemType.UINT8, [0, 255]],
  [ElemType.INT16, [-32768, 32767]],
  [ElemType.UINT16, [0, 65535]],
  [ElemType.INT32, [-2147483648, 2147483647]],
  [ElemType.UINT32, [0, 4294967295]],
  [ElemType.INT4, [-8, 7]],
  [ElemType.UINT4, [0, 15]],
  [ElemType.INT2, [-2, 1]],
  [ElemType.UINT2, [0, 3]],
]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function leBytes(a: NumericTensorValues): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  if (!LITTLE_ENDIAN) swapBytes(b, a.BYTES_PER_ELEMENT);
  return b;
}

function intOf(v: number | bigint | boolean, lo: number, hi: number, i: number, type: ElemTypeCode): number {
  const x = typeof v === 'number' ? v : Number(v);
  if (!(Number.isInteger(x) && x >= lo && x <= hi)) {
    throw new WorkbenchError('TENSOR_DATA', `value ${String(v)} at index ${i} is not a valid ${elemTypeName(type)}`);
  }
  return x;
}

function bigOf(v: number | bigint | boolean, lo: bigint, hi: bigint, i: number, type: ElemTypeCode): bigint {
  let x: bigint | undefined;
  if (typeof v === 'bigint') x = v;
  else if (typeof v === 'boolean') x = v ? 1n : 0n;
  else if (Number.isInteger(v)) x = BigInt(v);
  if (x === undefined || x < lo || x > hi) {
    throw new WorkbenchError('TENSOR_DATA', `value ${String(v)} at index ${i} is not a valid ${elemTypeName(type)}`);
  }
  return x;
}

// Float32 bits of each input value: read directly from a Float32Array (exact, NaN payloads kept),
// rounded-to-odd from anything else so that the final rounding is correct.
function f32BitsReader(values: EncodableValues): (i: number) => number {
  if (values instanceof Float32Array) {
    const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
    return (i) => u[i]!;
  }
  return (i) => {
    const v = values[i]!;
    return f32BitsRoundToOdd(typeof v === 'number' ? v : Number(v));
  };
}

/**
 * Encodes values as little-endian raw_data for `elemType` (the inverse of decodeRawValues).
 * Small floats round to nearest-even; float8 and float4 saturate finite overflow (ONNX Cast
 * saturate=1; E5M2 keeps ±Inf), float16/bfloat16 overflow to ±Inf; float8e8m0 rounds up to a
 * power of two. Integers must be in range (else WorkbenchError 'TENSOR_DATA'); bool takes truthiness.
 * Complex values are given interleaved (re, im), so their length must be even.
 */
export function encodeRawValues(elemType: ElemTypeCode, values: EncodableValues): Uint8Array {
  const len = values.length;
  if ((elemType === ElemType.COMPLEX64 || elemType === ElemType.COMPLEX128) && len % 2 !== 0) {
    throw new WorkbenchError('TENSOR_DATA', `${elemTypeName(elemType)} values must be interleaved re,im pairs; got ${len} numbers`);
  }
  switch (elemType) {
    case ElemType.FLOAT:
    case ElemType.COMPLEX64:
      // A Float64Array converts natively (round to nearest, as Number → float32 does), without a call per element.
      return leBytes(values instanceof Float32Array ? values : values instanceof Float64Array ? new Float32Array(values) : Float32Array.from(values as ArrayLike<number>, Number));
    case ElemType.DOUBLE:
    case ElemType.COMPLEX128:
      return leBytes(values instanceof Float64Array ? values : values instanceof Float32Array ? new Float64Array(values) : Float64Array.from(values as ArrayLike<number>, Number));
    case ElemType.INT64:
    case ElemType.UINT64: {
      const signed = elemType === ElemType.INT64;
      if (signed && values instanceof BigInt64Array) return leBytes(values);
      if (!signed && values instanceof BigUint64Array) return leBytes(values);
      const out = signed ? new BigInt64Array(len) : new BigUint64Array(len);
      const [lo, hi] = signed ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      for (let i = 0; i < len; i++) out[i] = bigOf(values[i]!, lo, hi, i, elemType);
      return leBytes(out);
    }
    case ElemType.BOOL: {
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i++) out[i] = values[i] ? 1 : 0;
      return out;
    }
    case ElemType.BFLOAT16:
    case ElemType.FLOAT16: {
      const enc = smallFloatEncoder(elemType)!;
      const read = f32BitsReader(values);
      const out = new Uint16Array(len);
      for (let i = 0; i < len; i++) out[i] = enc(read(i));
      return leBytes(out);
    }
    case ElemType.FLOAT4E2M1: {
      const enc = smallFloatEncoder(elemType)!;
      const read = f32BitsReader(values);
      const out = new Uint8Array(Math.ceil(len / 2));
      for (let i = 0; i < len; i++) out[i >>> 1] |= enc(read(i)) << ((i & 1) * 4);
      return out;
    }
  }
  const enc = smallFloatEncoder(elemType);
  if (enc) {
    const read = f32BitsReader(values);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = enc(read(i));
    return out;
  }
  const range = INT_RANGES.get(elemType);
  if (!range) {
    throw new WorkbenchError('TENSOR_DATA', `${elemTypeName(elemType)} values cannot be encoded as raw data`);
  }
  const [lo, hi] = range;
  const bits = bitsPerElement(elemType);
  if (bits === 4 || bits === 2) {
    const per = 8 / bits;
    const mask = (1 << bits) - 1;
    const out = new Uint8Array(Math.ceil(len / per));
    for (let i = 0; i < len; i++) {
      out[(i / per) | 0] |= (intOf(values[i]!, lo, hi, i, elemType) & mask) << ((i % per) * bits);
    }
    return out;
  }
  const out =
    elemType === ElemType.INT8 ? new Int8Array(len)
    : elemType === ElemType.UINT8 ? new Uint8Array(len)
    : elemType === ElemType.INT16 ? new Int16Array(len)
    : elemType === ElemType.UINT16 ? new Uint16Array(len)
    : elemType === ElemType.INT32 ? new Int32Array(len)
    : new Uint32Array(len);
  // The array type that decodeRawValues gives for this type holds only valid values: no checks needed.
  if (values.constructor === out.constructor) return leBytes(values as typeof out);
  for (let i = 0; i < len; i++) out[i] = intOf(values[i]!, lo, hi, i, elemType);
  return leBytes(out);
}

