import { ElemType, typedDataField, type ElemTypeCode, type TypedDataField } from '../onnx/element-types.js';
import type { Int64, TensorProto } from '../onnx/proto-types.js';
import { decodeRawValues, LITTLE_ENDIAN } from '../onnx/tensor-values.js';
import { PackedValues, type NumericKind } from '../proto/packed-values.js';

// A tensor's values in the text are the entries of its typed field, as onnx.printer writes them
// and onnx.parser reads them: float16/bfloat16/float8 as their bit patterns, 4-bit and 2-bit types
// packed (2 or 4 elements per entry), complex as interleaved real and imaginary parts, bool as
// 0/1. raw_data is turned into the same entries; parsing stores them in the typed field.

/** Entries of a tensor: numbers, bigints for int64/uint64 beyond 2^53, or byte strings. */
export type TensorEntries = Int64[] | Uint8Array[];

/** The number of elements of a tensor (1 for a scalar). */
export function tensorElementCount(t: TensorProto): number {
  let n = 1;
  for (const d of t.dims ?? []) n *= Number(d);
  return n;
}

const FIELD_KIND: Readonly<Record<TypedDataField, NumericKind | 'string'>> = {
  floatData: 'float',
  int32Data: 'int32',
  stringData: 'string',
  int64Data: 'int64',
  doubleData: 'double',
  uint64Data: 'uint64',
};

/** Whether the entries are floating-point numbers (printed as decimals) rather than integers or bit patterns. */
export function entriesAreFloats(elemType: ElemTypeCode): boolean {
  const f = typedDataField(elemType);
  return f === 'floatData' || f === 'doubleData';
}

// Bytes per typed entry when raw_data holds the type in int32Data's form (bit patterns, packed).
function packedEntryBytes(elemType: ElemTypeCode): 1 | 2 | undefined {
  switch (elemType) {
    case ElemType.FLOAT16:
    case ElemType.BFLOAT16:
      return 2;
    case ElemType.FLOAT8E4M3FN:
    case ElemType.FLOAT8E4M3FNUZ:
    case ElemType.FLOAT8E5M2:
    case ElemType.FLOAT8E5M2FNUZ:
    case ElemType.FLOAT8E8M0:
    case ElemType.INT4:
    case ElemType.UINT4:
    case ElemType.FLOAT4E2M1:
    case ElemType.INT2:
    case ElemType.UINT2:
      return 1;
    default:
      return undefined;
  }
}

/** The tensor's entries as the text writes them, from raw_data or the typed field (not for external data). */
export function tensorEntries(t: TensorProto): TensorEntries {
  const type = t.dataType ?? 0;
  const field = typedDataField(type);
  if (type === ElemType.STRING) return t.stringData ?? [];
  if (t.rawData === undefined) {
    const stored = field ? (t[field] as PackedValues | undefined) : undefined;
    return stored?.values() ?? [];
  }
  const raw = t.rawData;
  const per = packedEntryBytes(type);
  if (per === 1) return Array.from(raw);
  if (per === 2) {
    const out: number[] = new Array(raw.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = raw[2 * i]! | (raw[2 * i + 1]! << 8);
    return out;
  }
  const n = tensorElementCount(t);
  const values = decodeRawValues(type, raw, n, { copy: !LITTLE_ENDIAN, name: t.name });
  if (Array.isArray(values)) return values;
  const out: Int64[] = new Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      out[i] = v <= max && v >= -max ? Number(v) : v;
    }
  } else for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/** Stores parsed entries into the tensor's typed field (what onnx.parser does). */
export function setTensorEntries(t: TensorProto, entries: TensorEntries): void {
  const type = t.dataType ?? 0;
  const field = typedDataField(type);
  if (!field || entries.length === 0) return;
  const kind = FIELD_KIND[field];
  if (kind === 'string') t.stringData = entries as Uint8Array[];
  else (t as Record<string, unknown>)[field] = PackedValues.of(kind, entries as Int64[]);
}
