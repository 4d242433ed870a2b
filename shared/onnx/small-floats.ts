// Small float formats (float16, bfloat16, float8 variants, float4e2m1, float8e8m0): exact
// decoding through per-format tables and correctly rounded encoding from JS numbers.

import { ElemType, type ElemTypeCode } from './element-types.js';

// Scratch for reinterpreting float32 <-> uint32; both views share platform order, so no endianness issue.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

// ---------------------------------------------------------------------------------------------
// Small float formats

interface SmallFloat {
  expBits: number;
  manBits: number;
  bias: number;
  /** ieee: Inf and NaN at max exponent; fn: NaN only at S.1..1; fnuz: NaN only at 0x80, no -0; finite: neither. */
  kind: 'ieee' | 'fn' | 'fnuz' | 'finite';
  /** Largest finite magnitude, as bits without the sign. */
  maxBits: number;
  /** Finite overflow gives the largest finite value (ONNX Cast saturate=1) instead of Inf/NaN. */
  saturate: boolean;
  table?: Uint32Array;
}

export const FLOAT16: SmallFloat = { expBits: 5, manBits: 10, bias: 15, kind: 'ieee', maxBits: 0x7bff, saturate: false };
export const FORMATS = new Map<number, SmallFloat>([
  [ElemType.FLOAT16, FLOAT16],
  [ElemType.FLOAT8E4M3FN, { expBits: 4, manBits: 3, bias: 7, kind: 'fn', maxBits: 0x7e, saturate: true }],
  [ElemType.FLOAT8E4M3FNUZ, { expBits: 4, manBits: 3, bias: 8, kind: 'fnuz', maxBits: 0x7f, saturate: true }],
  [ElemType.FLOAT8E5M2, { expBits: 5, manBits: 2, bias: 15, kind: 'ieee', maxBits: 0x7b, saturate: true }],
  [ElemType.FLOAT8E5M2FNUZ, { expBits: 5, manBits: 2, bias: 16, kind: 'fnuz', maxBits: 0x7f, saturate: true }],
  [ElemType.FLOAT4E2M1, { expBits: 2, manBits: 1, bias: 1, kind: 'finite', maxBits: 0x7, saturate: true }],
]);

const CANONICAL_NAN = 0x7fc00000;

function smallFloatToF32Bits(f: SmallFloat, b: number): number {
  const M = f.manBits;
  const signBit = 1 << (f.expBits + M);
  const sign = b & signBit;
  const mag = b & (signBit - 1);
  const expField = mag >>> M;
  const man = mag & ((1 << M) - 1);
  if (f.kind === 'fnuz' && b === signBit) return CANONICAL_NAN;
  if (f.kind === 'fn' && mag === signBit - 1) return (sign ? 0x80000000 : 0) | CANONICAL_NAN;
  if (f.kind === 'ieee' && expField === (1 << f.expBits) - 1) {
    // Payload goes to the top of the float32 mantissa so that encoding gives it back.
    return ((sign ? 0x80000000 : 0) | 0x7f800000 | (man << (23 - M))) >>> 0;
  }
  const value = expField === 0 ? man * 2 ** (1 - f.bias - M) : ((1 << M) + man) * 2 ** (expField - f.bias - M);
  F32[0] = sign ? -value : value;
  return U32[0]!;
}

export function tableOf(f: SmallFloat): Uint32Array {
  if (f.table) return f.table;
  const t = new Uint32Array(1 << (1 + f.expBits + f.manBits));
  for (let b = 0; b < t.length; b++) t[b] = smallFloatToF32Bits(f, b);
  return (f.table = t);
}

// Round-to-nearest-even of sig / 2^shift (shift <= 31).
function rne(sig: number, shift: number): number {
  if (shift === 0) return sig;
  const q = sig >>> shift;
  const rem = sig & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && (q & 1) !== 0) ? q + 1 : q;
}

// float32 bits -> small float bits, round to nearest even, specials per the ONNX Cast tables
// (saturate=1), except that E5M2 keeps ±Inf as ±Inf so that every bit pattern round-trips.
function f32BitsToSmallFloat(f: SmallFloat, u: number): number {
  const M = f.manBits;
  const signBit = 1 << (f.expBits + M);
  const expMask = (1 << f.expBits) - 1;
  const sign = u >>> 31 ? signBit : 0;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) {
    if (f.kind === 'ieee') return sign | (expMask << M) | ((a >>> (23 - M)) & ((1 << M) - 1) || 1 << (M - 1));
    if (f.kind === 'fn') return sign | (signBit - 1);
    if (f.kind === 'fnuz') return signBit;
    return f.maxBits; // float4: NaN -> +6 per the ONNX spec
  }
  if (a === 0x7f800000) {
    if (f.kind === 'ieee') return sign | (expMask << M);
    if (f.kind === 'fnuz') return signBit;
    return sign | f.maxBits;
  }
  const ef = a >>> 23;
  const e = ef === 0 ? -126 : ef - 127;
  const sig = ef === 0 ? a : (a & 0x7fffff) | 0x800000;
  const emin = 1 - f.bias;
  let bits: number;
  if (e >= emin) {
    // Adding the rounded significand (with its implicit bit) to (exponent-1) lets a mantissa carry bump the exponent.
    bits = ((e - emin) << M) + rne(sig, 23 - M);
  } else {
    const shift = 23 - M + (emin - e);
    bits = shift > 25 ? 0 : rne(sig, shift); // sig < 2^24, so beyond 25 it is below half the smallest subnormal
  }
  if (bits > f.maxBits) bits = f.saturate ? f.maxBits : expMask << M;
  if (bits === 0 && f.kind === 'fnuz') return 0; // no negative zero: 0x80 is NaN
  return sign | bits;
}

function f32BitsToBfloat16(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) {
    const h = u >>> 16;
    return h & 0x7f ? h : h | 0x40; // keep it a NaN when the payload was all in the dropped half
  }
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

// E8M0 is 2^(b-127), no sign, no zero, 0xFF = NaN. Encoding follows the ONNX Cast default
// (round_mode "up", saturate): the smallest power of two >= |x|, clamped to [2^-127, 2^127].
function f32BitsToE8m0(u: number): number {
  const a = u & 0x7fffffff;
  if (a >= 0x7f800000) return 0xff;
  const ef = a >>> 23;
  const mf = a & 0x7fffff;
  if (ef === 0) return mf <= 0x400000 ? 0 : 1; // float32 subnormals: 2^-127 is 0x400000
  if (mf === 0) return ef;
  return ef === 0xfe ? 0xfe : ef + 1;
}

function e8m0ToF32Bits(b: number): number {
  if (b === 0xff) return CANONICAL_NAN;
  return b === 0 ? 0x400000 : b << 23;
}

let e8m0Table: Uint32Array | undefined;
function e8m0TableOf(): Uint32Array {
  if (!e8m0Table) {
    e8m0Table = new Uint32Array(256);
    for (let b = 0; b < 256; b++) e8m0Table[b] = e8m0ToF32Bits(b);
  }
  return e8m0Table;
}

// float32 bits of x rounded to odd: a second rounding from these bits to any format with at
// least two fewer significand bits then equals rounding x directly (no double-rounding error).
export function f32BitsRoundToOdd(x: number): number {
  F32[0] = x;
  let u = U32[0]!;
  const f = F32[0]!;
  if (f !== x && x === x && (u & 1) === 0) u = Math.abs(f) > Math.abs(x) ? u - 1 : u + 1;
  return u;
}

/** float16 bits (low 16 bits of `bits`) to its exact value. */
export function float16ToFloat32(bits: number): number {
  U32[0] = tableOf(FLOAT16)[bits & 0xffff]!;
  return F32[0]!;
}

/** x to float16 bits, correctly rounded (nearest-even) from the full double; overflow gives ±Inf. */
export function float32ToFloat16Bits(x: number): number {
  return f32BitsToSmallFloat(FLOAT16, f32BitsRoundToOdd(x));
}

/** bfloat16 bits (low 16 bits of `bits`) to its exact value. */
export function bfloat16ToFloat32(bits: number): number {
  U32[0] = (bits & 0xffff) << 16;
  return F32[0]!;
}

/** x to bfloat16 bits, correctly rounded (nearest-even) from the full double; overflow gives ±Inf. */
export function float32ToBfloat16Bits(x: number): number {
  return f32BitsToBfloat16(f32BitsRoundToOdd(x));
}

/** Value of one element of a float16, bfloat16, float8 or float4 type given its bits; undefined for other types. */
export function smallFloatToNumber(elemType: ElemTypeCode, bits: number): number | undefined {
  const f = FORMATS.get(elemType);
  if (f) U32[0] = tableOf(f)[bits & ((1 << (1 + f.expBits + f.manBits)) - 1)]!;
  else if (elemType === ElemType.BFLOAT16) U32[0] = (bits & 0xffff) << 16;
  else if (elemType === ElemType.FLOAT8E8M0) U32[0] = e8m0ToF32Bits(bits & 0xff);
  else return undefined;
  return F32[0]!;
}

/** Bits of x in a float16, bfloat16, float8 or float4 type, rounded as encodeRawValues does; undefined for other types. */
export function numberToSmallFloatBits(elemType: ElemTypeCode, x: number): number | undefined {
  const enc = smallFloatEncoder(elemType);
  return enc ? enc(f32BitsRoundToOdd(x)) : undefined;
}

export function smallFloatEncoder(elemType: ElemTypeCode): ((u: number) => number) | undefined {
  const f = FORMATS.get(elemType);
  if (f) return (u) => f32BitsToSmallFloat(f, u);
  if (elemType === ElemType.BFLOAT16) return f32BitsToBfloat16;
  if (elemType === ElemType.FLOAT8E8M0) return f32BitsToE8m0;
  return undefined;
}

export function smallFloatTable(elemType: ElemTypeCode): Uint32Array | undefined {
  const f = FORMATS.get(elemType);
  if (f) return tableOf(f);
  return elemType === ElemType.FLOAT8E8M0 ? e8m0TableOf() : undefined;
}

