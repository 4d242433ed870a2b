// The ONNX TensorProto.DataType table: codes, names, sizes, and which typed field holds values.

/** ONNX element type codes (TensorProto.DataType). */
export const ElemType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

/** A TensorProto.DataType code; plain number because files may carry codes newer than this table. */
export type ElemTypeCode = number;

/** The TensorProto field that holds values when raw_data is not used. */
export type TypedDataField = 'floatData' | 'int32Data' | 'stringData' | 'int64Data' | 'doubleData' | 'uint64Data';

interface ElemTypeInfo {
  name: string;
  /** undefined for string (variable length) and undefined type. */
  bits: number | undefined;
  field: TypedDataField | undefined;
  kind: 'float' | 'int' | 'bool' | 'complex' | 'string' | 'none';
}

// Indexed by code; lowercase names as onnx prints them (`tensor(float16)`).
const INFO: readonly ElemTypeInfo[] = [
  { name: 'undefined', bits: undefined, field: undefined, kind: 'none' },
  { name: 'float', bits: 32, field: 'floatData', kind: 'float' },
  { name: 'uint8', bits: 8, field: 'int32Data', kind: 'int' },
  { name: 'int8', bits: 8, field: 'int32Data', kind: 'int' },
  { name: 'uint16', bits: 16, field: 'int32Data', kind: 'int' },
  { name: 'int16', bits: 16, field: 'int32Data', kind: 'int' },
  { name: 'int32', bits: 32, field: 'int32Data', kind: 'int' },
  { name: 'int64', bits: 64, field: 'int64Data', kind: 'int' },
  { name: 'string', bits: undefined, field: 'stringData', kind: 'string' },
  { name: 'bool', bits: 8, field: 'int32Data', kind: 'bool' },
  { name: 'float16', bits: 16, field: 'int32Data', kind: 'float' },
  { name: 'double', bits: 64, field: 'doubleData', kind: 'float' },
  { name: 'uint32', bits: 32, field: 'uint64Data', kind: 'int' },
  { name: 'uint64', bits: 64, field: 'uint64Data', kind: 'int' },
  { name: 'complex64', bits: 64, field: 'floatData', kind: 'complex' },
  { name: 'complex128', bits: 128, field: 'doubleData', kind: 'complex' },
  { name: 'bfloat16', bits: 16, field: 'int32Data', kind: 'float' },
  { name: 'float8e4m3fn', bits: 8, field: 'int32Data', kind: 'float' },
  { name: 'float8e4m3fnuz', bits: 8, field: 'int32Data', kind: 'float' },
  { name: 'float8e5m2', bits: 8, field: 'int32Data', kind: 'float' },
  { name: 'float8e5m2fnuz', bits: 8, field: 'int32Data', kind: 'float' },
  { name: 'uint4', bits: 4, field: 'int32Data', kind: 'int' },
  { name: 'int4', bits: 4, field: 'int32Data', kind: 'int' },
  { name: 'float4e2m1', bits: 4, field: 'int32Data', kind: 'float' },
  { name: 'float8e8m0', bits: 8, field: 'int32Data', kind: 'float' },
  { name: 'uint2', bits: 2, field: 'int32Data', kind: 'int' },
  { name: 'int2', bits: 2, field: 'int32Data', kind: 'int' },
];

// Names people type on a command line besides the onnx ones.
const ALIASES: Readonly<Record<string, number>> = { float32: ElemType.FLOAT, float64: ElemType.DOUBLE };

function info(code: ElemTypeCode): ElemTypeInfo | undefined {
  return Number.isInteger(code) && code >= 0 ? INFO[code] : undefined;
}

/** Lowercase onnx-style name of an element type ('float16'); unknown codes give 'elem_type_<n>'. */
export function elemTypeName(code: ElemTypeCode): string {
  return info(code)?.name ?? `elem_type_${code}`;
}

/** The code for a name as elemTypeName writes it (case-insensitive, also 'FLOAT16', 'float32'), or undefined. */
export function elemTypeFromName(name: string): ElemTypeCode | undefined {
  const n = name.trim().toLowerCase();
  const i = INFO.findIndex((e) => e.name === n);
  if (i >= 0) return i;
  if (Object.hasOwn(ALIASES, n)) return ALIASES[n];
  const m = /^elem_type_(\d+)$/.exec(n);
  return m ? Number(m[1]) : undefined;
}

/** Bits one element takes in raw_data (complex64: 64, bool: 8, int4: 4); undefined for string and unknown codes. */
export function bitsPerElement(code: ElemTypeCode): number | undefined {
  return info(code)?.bits;
}

/** Bytes raw_data must have for `elementCount` elements; sub-byte types are packed and round up. */
export function rawByteLength(code: ElemTypeCode, elementCount: number): number | undefined {
  const bits = bitsPerElement(code);
  if (bits === undefined) return undefined;
  // Multiples of 8 need no rounding; avoids count*bits overflowing 2^53 for huge byte-sized tensors.
  return bits % 8 === 0 ? elementCount * (bits / 8) : Math.ceil((elementCount * bits) / 8);
}

/** Real floating-point types (float, double, float16, bfloat16, float8*, float4): the ones counted as parameters. */
export function isFloatType(code: ElemTypeCode): boolean {
  return info(code)?.kind === 'float';
}

/** Signed and unsigned integer types, including int4/uint4/int2/uint2 (not bool). */
export function isIntegerType(code: ElemTypeCode): boolean {
  return info(code)?.kind === 'int';
}

/** Complex64 and complex128. */
export function isComplexType(code: ElemTypeCode): boolean {
  return info(code)?.kind === 'complex';
}

/** Which TensorProto typed field holds values of this type when raw_data is not used (per onnx.proto). */
export function typedDataField(code: ElemTypeCode): TypedDataField | undefined {
  return info(code)?.field;
}
