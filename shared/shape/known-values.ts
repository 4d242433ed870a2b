import { ElemType, isFloatType, typedDataField } from '../onnx/element-types.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { decodeRawValues, decodeTypedValues } from '../onnx/tensor-values.js';
import type { PackedValues } from '../proto/packed-values.js';
import type { Dim } from './dims.js';

// Partial data propagation: the values of small tensors that inference can know statically
// (constants, initializers, shapes and what shape arithmetic makes of them). Elements may be
// symbolic (a Shape of a [batch, seq] tensor is ['batch', 'seq']) or unknown (null).

/** A small tensor's values, row-major; numbers (integers, floats, bools as 0/1), symbolic dims or null. */
export interface KnownValue {
  readonly shape: readonly number[];
  readonly data: readonly Dim[];
}

/** A small string tensor's values. */
export interface KnownStrings {
  readonly shape: readonly number[];
  readonly strings: readonly string[];
}

export type Known = KnownValue | KnownStrings;

/** Tensors larger than this are never decoded for propagation (shape data is small). */
export const MAX_KNOWN_ELEMENTS = 4096;
/**
 * Float tensors matter to shapes only as scalars and short vectors (Range bounds, Resize scales);
 * larger ones (weights, biases) are not decoded, so elementwise ops on weights cost nothing.
 */
export const MAX_KNOWN_FLOATS = 64;

const utf8 = new TextDecoder('utf-8');

/** How many elements of this type propagation keeps. */
export function knownLimit(elemType: number): number {
  return isFloatType(elemType) ? MAX_KNOWN_FLOATS : MAX_KNOWN_ELEMENTS;
}

/** A known value. */
export function known(shape: readonly number[], data: readonly Dim[]): KnownValue {
  return { shape, data };
}

/** Whether a Known holds numbers/dims (not strings). */
export function isKnownValue(k: Known | undefined): k is KnownValue {
  return k !== undefined && 'data' in k;
}

/** The values of a TensorProto when it is small and held in the file (not external); else undefined. */
export function knownFromTensor(t: TensorProto, limit = MAX_KNOWN_ELEMENTS): Known | undefined {
  const shape = (t.dims ?? []).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  if (n > Math.min(limit, knownLimit(type)) || t.dataLocation === 1) return undefined;
  try {
    if (type === ElemType.STRING) {
      const s = t.stringData ?? [];
      return s.length === n ? { shape, strings: s.map((b) => utf8.decode(b)) } : undefined;
    }
    let values;
    if (t.rawData !== undefined) values = decodeRawValues(type, t.rawData, n, { copy: true });
    else {
      const field = typedDataField(type);
      const stored = field ? (t[field] as PackedValues | undefined) : undefined;
      values = decodeTypedValues(type, stored?.values() ?? [], n);
    }
    if (type === ElemType.COMPLEX64 || type === ElemType.COMPLEX128) return undefined;
    const data: Dim[] = new Array<Dim>(n);
    for (let i = 0; i < n; i++) data[i] = Number((values as ArrayLike<number | bigint>)[i]!);
    return { shape, data };
  } catch {
    return undefined;
  }
}

/** The single element of a one-element value (a scalar or shape [1]). */
export function scalarOf(k: Known | undefined): Dim | undefined {
  return isKnownValue(k) && k.data.length === 1 ? k.data[0]! : undefined;
}

/** The elements when every one is a known number. */
export function numbersOf(k: Known | undefined): number[] | undefined {
  if (!isKnownValue(k)) return undefined;
  for (const d of k.data) if (typeof d !== 'number') return undefined;
  return k.data as number[];
}

/** The single element when it is a known number. */
export function numberOf(k: Known | undefined): number | undefined {
  const s = scalarOf(k);
  return typeof s === 'number' ? s : undefined;
}
