// KServe v2 tensor data types and onnxruntime's tensor type names, both ways, with the typed
// array each is held in and its size on the wire (the binary tensor data extension).

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

interface DataType {
  v2: string;
  ort: string;
  bytes: number;
  make(n: number): TypedArray;
  view(buf: ArrayBuffer, offset: number, n: number): TypedArray;
}

const TYPES: DataType[] = [
  { v2: 'FP32', ort: 'float32', bytes: 4, make: (n) => new Float32Array(n), view: (b, o, n) => new Float32Array(b, o, n) },
  { v2: 'FP64', ort: 'float64', bytes: 8, make: (n) => new Float64Array(n), view: (b, o, n) => new Float64Array(b, o, n) },
  { v2: 'FP16', ort: 'float16', bytes: 2, make: (n) => new Uint16Array(n), view: (b, o, n) => new Uint16Array(b, o, n) },
  { v2: 'INT8', ort: 'int8', bytes: 1, make: (n) => new Int8Array(n), view: (b, o, n) => new Int8Array(b, o, n) },
  { v2: 'INT16', ort: 'int16', bytes: 2, make: (n) => new Int16Array(n), view: (b, o, n) => new Int16Array(b, o, n) },
  { v2: 'INT32', ort: 'int32', bytes: 4, make: (n) => new Int32Array(n), view: (b, o, n) => new Int32Array(b, o, n) },
  { v2: 'INT64', ort: 'int64', bytes: 8, make: (n) => new BigInt64Array(n), view: (b, o, n) => new BigInt64Array(b, o, n) },
  { v2: 'UINT8', ort: 'uint8', bytes: 1, make: (n) => new Uint8Array(n), view: (b, o, n) => new Uint8Array(b, o, n) },
  { v2: 'UINT16', ort: 'uint16', bytes: 2, make: (n) => new Uint16Array(n), view: (b, o, n) => new Uint16Array(b, o, n) },
  { v2: 'UINT32', ort: 'uint32', bytes: 4, make: (n) => new Uint32Array(n), view: (b, o, n) => new Uint32Array(b, o, n) },
  { v2: 'UINT64', ort: 'uint64', bytes: 8, make: (n) => new BigUint64Array(n), view: (b, o, n) => new BigUint64Array(b, o, n) },
  { v2: 'BOOL', ort: 'bool', bytes: 1, make: (n) => new Uint8Array(n), view: (b, o, n) => new Uint8Array(b, o, n) },
];

const BY_V2 = new Map(TYPES.map((t) => [t.v2, t]));
const BY_ORT = new Map(TYPES.map((t) => [t.ort, t]));

/** The KServe v2 name of an onnxruntime tensor type ('float32' → 'FP32'; 'string' → 'BYTES'), or undefined. */
export function v2TypeOf(ortType: string): string | undefined {
  return ortType === 'string' ? 'BYTES' : BY_ORT.get(ortType)?.v2;
}

/** The onnxruntime tensor type of a KServe v2 data type, or undefined. */
export function ortTypeOfV2(v2: string): string | undefined {
  return v2 === 'BYTES' ? 'string' : BY_V2.get(v2)?.ort;
}

/** Bytes per element of an onnxruntime type on the wire (undefined for strings). */
export function elementBytes(ortType: string): number | undefined {
  return BY_ORT.get(ortType)?.bytes;
}

/** A zeroed typed array of `n` elements for an onnxruntime type (not strings). */
export function makeArray(ortType: string, n: number): TypedArray {
  return BY_ORT.get(ortType)!.make(n);
}

/** `n` elements of an onnxruntime type read from little-endian bytes (copied when unaligned). */
export function arrayFromBytes(ortType: string, bytes: Uint8Array, n: number): TypedArray {
  const t = BY_ORT.get(ortType)!;
  if (bytes.byteOffset % t.bytes === 0) return t.view(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  // A copy of its own (Buffer's slice would be a view into the same memory, still unaligned).
  const copy = new Uint8Array(n * t.bytes);
  copy.set(bytes.subarray(0, n * t.bytes));
  return t.view(copy.buffer, 0, n);
}
