import { describe, it, expect } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { ElemType, type ElemTypeCode } from '../../shared/onnx/element-types.js';
import {
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  numberToSmallFloatBits,
  smallFloatToNumber,
} from '../../shared/onnx/small-floats.js';
import { summarizeValues } from '../../shared/onnx/value-stats.js';
import {
  decodeRawValues,
  decodeTypedValues,
  encodeRawValues,
  typedEntryCount,
  type TensorValues,
} from '../../shared/onnx/tensor-values.js';

const E = ElemType;
const F8 = [E.FLOAT8E4M3FN, E.FLOAT8E4M3FNUZ, E.FLOAT8E5M2, E.FLOAT8E5M2FNUZ, E.FLOAT8E8M0] as const;

function f32Bits(a: TensorValues): Uint32Array {
  const f = a as Float32Array;
  return new Uint32Array(f.buffer, f.byteOffset, f.length);
}

// One 8-bit value per element -> a decoded Float32Array.
function dec8(type: ElemTypeCode, ...bytes: number[]): number[] {
  return Array.from(decodeRawValues(type, Uint8Array.from(bytes), bytes.length) as Float32Array);
}

function allBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i);
}

function allUint16(): Uint8Array {
  return new Uint8Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer);
}

function catchError(f: () => unknown): WorkbenchError {
  try {
    f();
  } catch (e) {
    if (e instanceof WorkbenchError) return e;
    throw e;
  }
  throw new Error('expected a WorkbenchError');
}

describe('float16', () => {
  it('decodes known bit patterns', () => {
    const cases: Array<[number, number]> = [
      [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24],
      [0x0400, 2 ** -14], [0x3555, 0.333251953125], [0x7c00, Infinity], [0xfc00, -Infinity], [0x0000, 0],
    ];
    for (const [bits, value] of cases) expect(float16ToFloat32(bits)).toBe(value);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(float16ToFloat32(0xfc01)).toBeNaN();
  });

  it('encodes with round-to-nearest-even, correctly from doubles', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(NaN)).toBe(0x7e00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    // Just above a tie, by less than float32 can hold: rounding via float32 first would give 0x3c00.
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the tie above the largest finite goes to Inf
    expect(float32ToFloat16Bits(1e10)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25 + 2 ** -60)).toBe(0x0001);
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normals
  });

  it('matches a nearest-value search on random doubles', () => {
    checkAgainstSearch(E.FLOAT16, (x) => float32ToFloat16Bits(x), 65504, 2 ** -30);
  });
});

describe('bfloat16', () => {
  it('decodes and encodes known values', () => {
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(0xc000)).toBe(-2);
    expect(bfloat16ToFloat32(0x7f7f)).toBe(3.3895313892515355e38);
    expect(bfloat16ToFloat32(0x0001)).toBe(2 ** -133);
    expect(bfloat16ToFloat32(0x7f80)).toBe(Infinity);
    expect(bfloat16ToFloat32(0x7fc0)).toBeNaN();
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(float32ToBfloat16Bits(1 + 2 ** -8 + 2 ** -40)).toBe(0x3f81);
    expect(float32ToBfloat16Bits(1e39)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(NaN)).toBe(0x7fc0);
    // A NaN whose payload is only in the low half must stay a NaN.
    const nan = new Float32Array(new Uint32Array([0x7f800001]).buffer);
    expect(Array.from(new Uint16Array(encodeRawValues(E.BFLOAT16, nan).buffer))).toEqual([0x7fc0]);
  });

  it('matches a nearest-value search on random doubles', () => {
    checkAgainstSearch(E.BFLOAT16, (x) => float32ToBfloat16Bits(x), 3.3895313892515355e38, 2 ** -140);
  });
});

// Rounding reference: sort every finite value of the format and pick the nearest, ties to the
// even bit pattern. Written without the encoder under test.
function checkAgainstSearch(type: ElemTypeCode, enc: (x: number) => number, max: number, tiny: number): void {
  const bits = type === E.FLOAT16 || type === E.BFLOAT16 ? 16 : type === E.FLOAT4E2M1 ? 4 : 8;
  const entries: Array<[number, number]> = [];
  for (let b = 0; b < 1 << bits; b++) {
    const v = smallFloatToNumber(type, b)!;
    if (Number.isFinite(v) && !Object.is(v, -0)) entries.push([v, b]);
  }
  entries.sort((p, q) => p[0] - q[0]);
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const wrong: string[] = [];
  for (let k = 0; k < 20000; k++) {
    // Log-uniform magnitudes across the format's range, random sign.
    const mag = Math.exp(Math.log(tiny) + rand() * (Math.log(max) - Math.log(tiny)));
    const x = rand() < 0.5 ? -mag : mag;
    let lo = 0;
    let hi = entries.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (entries[mid]![0] <= x) lo = mid;
      else hi = mid;
    }
    const [a, ab] = entries[lo]!;
    const [b, bb] = entries[hi]!;
    const da = Math.abs(x - a);
    const db = Math.abs(b - x);
    let want = da < db ? ab : db < da ? bb : (ab & 1) === 0 ? ab : bb;
    if (want === 0 && x < 0 && type !== E.FLOAT8E4M3FNUZ && type !== E.FLOAT8E5M2FNUZ) {
      want = 1 << (bits - 1); // a negative value rounding to zero gives -0
    }
    const got = enc(x);
    if (got !== want) wrong.push(`x=${x}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

describe('float8 and float4 decoding', () => {
  it('E4M3FN: bias 7, no Inf, NaN only at S.1111.111', () => {
    expect(dec8(E.FLOAT8E4M3FN, 0x7e, 0x78, 0x38, 0x08, 0x01, 0xfe, 0x00)).toEqual([448, 256, 1, 2 ** -6, 2 ** -9, -448, 0]);
    expect(Object.is(dec8(E.FLOAT8E4M3FN, 0x80)[0], -0)).toBe(true);
    expect(dec8(E.FLOAT8E4M3FN, 0x7f)[0]).toBeNaN();
    expect(dec8(E.FLOAT8E4M3FN, 0xff)[0]).toBeNaN();
    const all = dec8(E.FLOAT8E4M3FN, ...allBytes(256));
    expect(all.filter((v) => Number.isNaN(v))).toHaveLength(2);
    expect(all.some((v) => !Number.isFinite(v) && !Number.isNaN(v))).toBe(false);
  });

  it('E4M3FNUZ: bias 8, NaN only at 0x80, no negative zero', () => {
    expect(dec8(E.FLOAT8E4M3FNUZ, 0x7f, 0x40, 0x01, 0xff, 0x00)).toEqual([240, 1, 2 ** -10, -240, 0]);
    expect(dec8(E.FLOAT8E4M3FNUZ, 0x80)[0]).toBeNaN();
    const all = dec8(E.FLOAT8E4M3FNUZ, ...allBytes(256));
    expect(all.filter((v) => Number.isNaN(v))).toHaveLength(1);
    expect(all.some((v) => Object.is(v, -0))).toBe(false);
  });

  it('E5M2: bias 15, IEEE-like', () => {
    expect(dec8(E.FLOAT8E5M2, 0x7b, 0x3c, 0x04, 0x01, 0xfb)).toEqual([57344, 1, 2 ** -14, 2 ** -16, -57344]);
    expect(dec8(E.FLOAT8E5M2, 0x7c, 0xfc)).toEqual([Infinity, -Infinity]);
    for (const b of [0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff]) expect(dec8(E.FLOAT8E5M2, b)[0]).toBeNaN();
  });

  it('E5M2FNUZ: bias 16, NaN only at 0x80', () => {
    expect(dec8(E.FLOAT8E5M2FNUZ, 0x7f, 0x40, 0x01, 0xff)).toEqual([57344, 1, 2 ** -17, -57344]);
    expect(dec8(E.FLOAT8E5M2FNUZ, 0x80)[0]).toBeNaN();
    expect(dec8(E.FLOAT8E5M2FNUZ, ...allBytes(256)).filter((v) => Number.isNaN(v))).toHaveLength(1);
  });

  it('E8M0: exponent only, 0xFF is NaN', () => {
    expect(dec8(E.FLOAT8E8M0, 0x7f, 0x80, 0x00, 0xfe)).toEqual([1, 2, 2 ** -127, 2 ** 127]);
    expect(dec8(E.FLOAT8E8M0, 0xff)[0]).toBeNaN();
  });

  // The value formulas of the ONNX float8 spec (docs/technical/float8.md), bit by bit.
  it('agrees with the ONNX spec formulas for every pattern', () => {
    const spec = (b: number, expBits: number, manBits: number, bias: number): number => {
      const s = b >> 7 ? -1 : 1;
      let exp = 0;
      for (let i = manBits; i < manBits + expBits; i++) exp += ((b >> i) & 1) * 2 ** (i - manBits);
      let frac = 0;
      for (let i = 0; i < manBits; i++) frac += ((b >> i) & 1) * 2 ** (i - manBits);
      return exp !== 0 ? s * 2 ** (exp - bias) * (1 + frac) : s * 2 ** (1 - bias) * frac;
    };
    const formats: Array<[ElemTypeCode, number, number, number, (b: number) => boolean]> = [
      [E.FLOAT8E4M3FN, 4, 3, 7, (b) => (b & 0x7f) === 0x7f],
      [E.FLOAT8E4M3FNUZ, 4, 3, 8, (b) => b === 0x80],
      [E.FLOAT8E5M2, 5, 2, 15, (b) => (b & 0x7c) === 0x7c],
      [E.FLOAT8E5M2FNUZ, 5, 2, 16, (b) => b === 0x80],
    ];
    for (const [type, eb, mb, bias, special] of formats) {
      const got = dec8(type, ...allBytes(256));
      for (let b = 0; b < 256; b++) if (!special(b)) expect(got[b], `type ${type} byte ${b}`).toBe(spec(b, eb, mb, bias));
    }
  });

  it('FLOAT4E2M1: two per byte, low nibble first', () => {
    const bytes = Uint8Array.from({ length: 8 }, (_, i) => (2 * i) | ((2 * i + 1) << 4));
    const values = Array.from(decodeRawValues(E.FLOAT4E2M1, bytes, 16) as Float32Array);
    expect(values.slice(0, 8)).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(values.slice(9)).toEqual([-0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(Object.is(values[8], -0)).toBe(true);
    expect(Array.from(decodeRawValues(E.FLOAT4E2M1, Uint8Array.of(0xf7), 2) as Float32Array)).toEqual([6, -6]);
    expect(Array.from(decodeRawValues(E.FLOAT4E2M1, Uint8Array.of(0x77, 0x02), 3) as Float32Array)).toEqual([6, 6, 1]);
  });
});

// FNV-1a over float32 bit patterns (NaN as 0x7fc00000) / encoded codes, as computed with
// numpy 2.4 + ml_dtypes 0.6 (an implementation independent of this one): decode = all bit
// patterns widened to float32; encode = the 20000 xorshift32 patterns below read as float32,
// keeping those with |x| <= the format's max (ml_dtypes does not saturate), cast to the format.
const ML_DTYPES: Record<string, { type: ElemTypeCode; bits: number; decode: number; encode?: number; encoded?: number; max?: number }> = {
  FLOAT8E4M3FN: { type: E.FLOAT8E4M3FN, bits: 8, decode: 0xeb01d1c5, encode: 0xd1d95d75, encoded: 10540, max: 448 },
  FLOAT8E4M3FNUZ: { type: E.FLOAT8E4M3FNUZ, bits: 8, decode: 0x9501d1c5, encode: 0xd61fdd38, encoded: 10473, max: 240 },
  FLOAT8E5M2: { type: E.FLOAT8E5M2, bits: 8, decode: 0x65a1d1c5, encode: 0xfe659707, encoded: 11068, max: 57344 },
  FLOAT8E5M2FNUZ: { type: E.FLOAT8E5M2FNUZ, bits: 8, decode: 0x7b21d1c5, encode: 0x5a4ea862, encoded: 11068, max: 57344 },
  FLOAT8E8M0: { type: E.FLOAT8E8M0, bits: 8, decode: 0x3921d1c5 },
  FLOAT4E2M1: { type: E.FLOAT4E2M1, bits: 4, decode: 0xd7e91905, encode: 0xd783f897, encoded: 10040, max: 6 },
  FLOAT16: { type: E.FLOAT16, bits: 16, decode: 0x2bfa9dc5, encode: 0x2e2219f3, encoded: 11091, max: 65504 },
  BFLOAT16: { type: E.BFLOAT16, bits: 16, decode: 0xd9a49dc5, encode: 0xd9ae6314, encoded: 19935, max: 3.3895313892515355e38 },
};

function fnv(values: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) h = Math.imul(h ^ values[i]!, 0x01000193) >>> 0;
  return h;
}

function xorshiftFloats(n: number): Float32Array {
  const u = new Uint32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u[i] = x >>> 0;
  }
  return new Float32Array(u.buffer);
}

describe('cross-check with ml_dtypes', () => {
  for (const [name, ref] of Object.entries(ML_DTYPES)) {
    it(name, () => {
      const count = 2 ** ref.bits;
      const patterns = ref.bits === 16 ? allUint16() : ref.bits === 8 ? allBytes(256) : Uint8Array.from({ length: 8 }, (_, i) => (2 * i) | ((2 * i + 1) << 4));
      const decoded = Array.from(f32Bits(decodeRawValues(ref.type, patterns, count)), (b) => ((b & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : b));
      expect(fnv(decoded).toString(16)).toBe(ref.decode.toString(16));
      if (ref.encode === undefined) return;
      const samples = xorshiftFloats(20000).filter((x) => Math.abs(x) <= ref.max!);
      expect(samples.length).toBe(ref.encoded);
      const raw = encodeRawValues(ref.type, samples);
      const codes = ref.bits === 16 ? new Uint16Array(raw.buffer) : ref.bits === 8 ? raw : Uint8Array.from(samples, (_, i) => (raw[i >> 1]! >> ((i & 1) * 4)) & 15);
      expect(fnv(codes).toString(16)).toBe(ref.encode.toString(16));
    });
  }
});

describe('float8 and float4 encoding', () => {
  const enc = (type: ElemTypeCode, ...xs: number[]): number[] => Array.from(encodeRawValues(type, xs));

  it('saturates E4M3FN; NaN stays NaN with its sign', () => {
    expect(enc(E.FLOAT8E4M3FN, 448, 464, 1000, -1000, Infinity, -Infinity, NaN, -0, 1, 2 ** -10)).toEqual([
      0x7e, 0x7e, 0x7e, 0xfe, 0x7e, 0xfe, 0x7f, 0x80, 0x38, 0x00,
    ]);
    const negNaN = new Float32Array(new Uint32Array([0xffc00000]).buffer);
    expect(Array.from(encodeRawValues(E.FLOAT8E4M3FN, negNaN))).toEqual([0xff]);
  });

  it('E4M3FNUZ and E5M2FNUZ: Inf and NaN to 0x80, no negative zero', () => {
    expect(enc(E.FLOAT8E4M3FNUZ, Infinity, -Infinity, NaN, 1e6, -1e6, -0, -1e-9, 240)).toEqual([
      0x80, 0x80, 0x80, 0x7f, 0xff, 0x00, 0x00, 0x7f,
    ]);
    expect(enc(E.FLOAT8E5M2FNUZ, Infinity, NaN, 1e9, -0, -(2 ** -20), 1)).toEqual([0x80, 0x80, 0x7f, 0x00, 0x00, 0x40]);
  });

  it('E5M2 keeps Inf, saturates finite overflow', () => {
    expect(enc(E.FLOAT8E5M2, Infinity, -Infinity, 1e6, -1e6, 61440, 57344, NaN, 1.25, 1.125)).toEqual([
      0x7c, 0xfc, 0x7b, 0xfb, 0x7b, 0x7b, 0x7e, 0x3d, 0x3c,
    ]);
  });

  it('FLOAT4E2M1 rounds to nearest even and saturates (NaN -> +6)', () => {
    const codes = (xs: number[]): number[] => {
      const raw = encodeRawValues(E.FLOAT4E2M1, xs);
      return xs.map((_, i) => (raw[i >> 1]! >> ((i & 1) * 4)) & 15);
    };
    expect(codes([0, 0.25, 0.75, 1.25, 2.5, 5, 7, -7, Infinity, -Infinity, NaN, -0])).toEqual([
      0x0, 0x0, 0x2, 0x2, 0x4, 0x6, 0x7, 0xf, 0x7, 0xf, 0x7, 0x8,
    ]);
    expect(Array.from(encodeRawValues(E.FLOAT4E2M1, [6, -6, 1]))).toEqual([0xf7, 0x02]);
  });

  it('E8M0 rounds up to a power of two (ONNX Cast default), sign dropped', () => {
    expect(enc(E.FLOAT8E8M0, 1, 1.5, 3, 0.75, 0, -4, Infinity, NaN, 2 ** 200, 1e-45, 2 ** -127, 2 ** 127)).toEqual([
      0x7f, 0x80, 0x81, 0x7f, 0x00, 0x81, 0xff, 0xff, 0xfe, 0x00, 0x00, 0xfe,
    ]);
    expect(enc(E.FLOAT8E8M0, 1 + 2 ** -40)).toEqual([0x80]); // just above 1 in double, not in float32
  });

  it('matches a nearest-value search from doubles', () => {
    const ranges: Array<[ElemTypeCode, number, number]> = [
      [E.FLOAT8E4M3FN, 448, 2 ** -12],
      [E.FLOAT8E4M3FNUZ, 240, 2 ** -13],
      [E.FLOAT8E5M2, 57344, 2 ** -19],
      [E.FLOAT8E5M2FNUZ, 57344, 2 ** -20],
      [E.FLOAT4E2M1, 6, 2 ** -3],
    ];
    for (const [type, max, tiny] of ranges) checkAgainstSearch(type, (x) => numberToSmallFloatBits(type, x)!, max, tiny);
  });
});

describe('round trips over every bit pattern', () => {
  const formats: Array<[string, ElemTypeCode, () => Uint8Array, number]> = [
    ['float16', E.FLOAT16, allUint16, 65536],
    ['bfloat16', E.BFLOAT16, allUint16, 65536],
    ...F8.map((t): [string, ElemTypeCode, () => Uint8Array, number] => [`float8 ${t}`, t, () => allBytes(256), 256]),
    ['float4e2m1', E.FLOAT4E2M1, () => allBytes(8), 16],
  ];
  for (const [name, type, patterns, count] of formats) {
    it(`${name}: encode(decode(bytes)) gives the bytes back, NaN payloads included`, () => {
      const bytes = patterns();
      const decoded = decodeRawValues(type, bytes, count) as Float32Array;
      const again = encodeRawValues(type, decoded);
      expect(again.length).toBe(bytes.length);
      expect(again.findIndex((b, i) => b !== bytes[i])).toBe(-1);
    });

    it(`${name}: values passed as JS numbers decode to the same values`, () => {
      const decoded = decodeRawValues(type, patterns(), count) as Float32Array;
      const again = decodeRawValues(type, encodeRawValues(type, Array.from(decoded)), count) as Float32Array;
      const a = f32Bits(decoded);
      const b = f32Bits(again);
      const wrong: number[] = [];
      for (let i = 0; i < count; i++) {
        // The engine may quiet signalling NaNs, so NaN only has to stay NaN.
        const ok = Number.isNaN(decoded[i]) ? Number.isNaN(again[i]) : a[i] === b[i];
        if (!ok) wrong.push(i);
      }
      expect(wrong.slice(0, 5)).toEqual([]);
    });
  }
});

describe('integer and plain types', () => {
  it('int4 sign-extends, uint4 unpacks low nibble first', () => {
    expect(Array.from(decodeRawValues(E.INT4, Uint8Array.of(0x8f, 0x07), 3) as Int8Array)).toEqual([-1, -8, 7]);
    expect(Array.from(decodeRawValues(E.UINT4, Uint8Array.of(0x8f, 0x07), 4) as Uint8Array)).toEqual([15, 8, 7, 0]);
    expect(decodeRawValues(E.INT4, Uint8Array.of(0xff), 1)).toBeInstanceOf(Int8Array);
  });

  it('int2 / uint2: four per byte, low bits first', () => {
    expect(Array.from(decodeRawValues(E.INT2, Uint8Array.of(0xe4), 4) as Int8Array)).toEqual([0, 1, -2, -1]);
    expect(Array.from(decodeRawValues(E.UINT2, Uint8Array.of(0xe4, 0x03), 5) as Uint8Array)).toEqual([0, 1, 2, 3, 3]);
  });

  it('packs sub-byte integers and round-trips every value', () => {
    expect(Array.from(encodeRawValues(E.INT4, [-1, -8, 7]))).toEqual([0x8f, 0x07]);
    expect(Array.from(encodeRawValues(E.INT2, [0, 1, -2, -1, 1]))).toEqual([0xe4, 0x01]);
    for (const [type, lo, hi] of [[E.INT4, -8, 7], [E.UINT4, 0, 15], [E.INT2, -2, 1], [E.UINT2, 0, 3]] as const) {
      const values = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
      expect(Array.from(decodeRawValues(type, encodeRawValues(type, values), values.length) as Int8Array)).toEqual(values);
    }
  });

  it('bool decodes to 0/1', () => {
    expect(Array.from(decodeRawValues(E.BOOL, Uint8Array.of(0, 1, 2, 255), 4) as Uint8Array)).toEqual([0, 1, 1, 1]);
    expect(Array.from(encodeRawValues(E.BOOL, [true, false, 0, 3]))).toEqual([1, 0, 0, 1]);
  });

  it('int64 and uint64 keep every bit', () => {
    const ints = [9223372036854775807n, -1n, -9223372036854775808n, 2n ** 53n + 1n, 0n];
    const bytes = new Uint8Array(ints.length * 8);
    const dv = new DataView(bytes.buffer);
    ints.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
    const decoded = decodeRawValues(E.INT64, bytes, ints.length);
    expect(decoded).toBeInstanceOf(BigInt64Array);
    expect(Array.from(decoded as BigInt64Array)).toEqual(ints);
    expect(encodeRawValues(E.INT64, decoded as BigInt64Array)).toEqual(bytes);
    expect(encodeRawValues(E.INT64, ints)).toEqual(bytes);
    const u = decodeRawValues(E.UINT64, bytes, ints.length) as BigUint64Array;
    expect(u[0]).toBe(9223372036854775807n);
    expect(u[1]).toBe(18446744073709551615n);
    expect(encodeRawValues(E.UINT64, [18446744073709551615n, 5])).toEqual(Uint8Array.of(255, 255, 255, 255, 255, 255, 255, 255, 5, 0, 0, 0, 0, 0, 0, 0));
  });

  it('decodes little-endian plain types', () => {
    const bytes = Uint8Array.of(0x01, 0x80, 0xff, 0xff);
    expect(Array.from(decodeRawValues(E.INT16, bytes, 2) as Int16Array)).toEqual([-32767, -1]);
    expect(Array.from(decodeRawValues(E.UINT16, bytes, 2) as Uint16Array)).toEqual([0x8001, 0xffff]);
    expect(Array.from(decodeRawValues(E.INT32, bytes, 1) as Int32Array)).toEqual([-32767]);
    expect(Array.from(decodeRawValues(E.UINT32, bytes, 1) as Uint32Array)).toEqual([0xffff8001]);
    expect(Array.from(decodeRawValues(E.INT8, bytes, 4) as Int8Array)).toEqual([1, -128, -1, -1]);
    expect(Array.from(decodeRawValues(E.FLOAT, Uint8Array.of(0, 0, 0x80, 0x3f), 1) as Float32Array)).toEqual([1]);
    expect(Array.from(decodeRawValues(E.DOUBLE, Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0xbf), 1) as Float64Array)).toEqual([-1]);
  });

  it('complex values are interleaved re, im', () => {
    const c64 = encodeRawValues(E.COMPLEX64, [1, -2, 3.5, 0]);
    expect(c64.length).toBe(16);
    const d = decodeRawValues(E.COMPLEX64, c64, 2);
    expect(d).toBeInstanceOf(Float32Array);
    expect(Array.from(d as Float32Array)).toEqual([1, -2, 3.5, 0]);
    const c128 = decodeRawValues(E.COMPLEX128, encodeRawValues(E.COMPLEX128, [0.1, 0.2]), 1);
    expect(Array.from(c128 as Float64Array)).toEqual([0.1, 0.2]);
    expect(catchError(() => encodeRawValues(E.COMPLEX64, [1, 2, 3])).code).toBe('TENSOR_DATA');
  });

  it('encodes plain integers and rejects values that do not fit', () => {
    expect(Array.from(encodeRawValues(E.INT16, [-2, 258]))).toEqual([0xfe, 0xff, 0x02, 0x01]);
    expect(Array.from(encodeRawValues(E.UINT32, [4294967295]))).toEqual([255, 255, 255, 255]);
    expect(Array.from(encodeRawValues(E.INT8, Int8Array.of(-1)))).toEqual([255]);
    for (const [type, bad] of [
      [E.INT8, 128], [E.UINT8, -1], [E.INT4, 8], [E.UINT4, 16], [E.INT2, -3], [E.INT32, 1.5], [E.UINT16, NaN],
    ] as const) {
      const err = catchError(() => encodeRawValues(type, [0, bad]));
      expect(err.code).toBe('TENSOR_DATA');
      expect(err.message).toContain('index 1');
    }
    expect(catchError(() => encodeRawValues(E.INT64, [2 ** 63])).code).toBe('TENSOR_DATA');
    expect(catchError(() => encodeRawValues(E.UINT64, [-1n])).code).toBe('TENSOR_DATA');
    expect(catchError(() => encodeRawValues(E.STRING, [1])).code).toBe('TENSOR_DATA');
  });
});

describe('views and errors', () => {
  it('decodes unaligned views into a larger buffer', () => {
    const f = new Float32Array([1.5, -2, 3e-5]);
    const d = new Float64Array([Math.PI, -0.1]);
    const big = new BigInt64Array([-5n, 2n ** 62n]);
    const cases: Array<[ElemTypeCode, Uint8Array, number, number[] | bigint[]]> = [
      [E.FLOAT, new Uint8Array(f.buffer), 3, Array.from(f)],
      [E.DOUBLE, new Uint8Array(d.buffer), 2, Array.from(d)],
      [E.INT64, new Uint8Array(big.buffer), 2, Array.from(big)],
      [E.INT16, Uint8Array.of(0xfe, 0xff, 0x02, 0x01), 2, [-2, 258]],
      [E.FLOAT16, Uint8Array.of(0x00, 0x3c, 0xff, 0x7b), 2, [1, 65504]],
      [E.BFLOAT16, Uint8Array.of(0x80, 0x3f), 1, [1]],
    ];
    for (const [type, bytes, n, want] of cases) {
      for (const offset of [1, 2, 3, 5]) {
        const host = new Uint8Array(bytes.length + 16);
        host.set(bytes, offset);
        const view = host.subarray(offset, offset + bytes.length);
        expect(Array.from(decodeRawValues(type, view, n) as Float32Array), `type ${type} offset ${offset}`).toEqual(want);
      }
    }
  });

  it('aliases aligned data unless asked to copy', () => {
    const host = new Uint8Array(16);
    const view = host.subarray(4, 12);
    const aliased = decodeRawValues(E.FLOAT, view, 2) as Float32Array;
    expect(aliased.buffer).toBe(host.buffer);
    const copied = decodeRawValues(E.FLOAT, view, 2, { copy: true }) as Float32Array;
    expect(copied.buffer).not.toBe(host.buffer);
    expect((decodeRawValues(E.UINT8, view, 8, { copy: true }) as Uint8Array).buffer).not.toBe(host.buffer);
    const unaligned = decodeRawValues(E.FLOAT, host.subarray(1, 9), 2) as Float32Array;
    expect(unaligned.buffer).not.toBe(host.buffer);
  });

  it('reports byte counts that do not match', () => {
    const err = catchError(() => decodeRawValues(E.FLOAT16, new Uint8Array(10), 6, { name: 'w' }));
    expect(err.code).toBe('TENSOR_DATA');
    expect(err.message).toBe("tensor 'w': float16 data of 6 elements needs 12 bytes, got 10");
    expect(catchError(() => decodeRawValues(E.INT4, new Uint8Array(2), 5)).code).toBe('TENSOR_DATA');
    expect(catchError(() => decodeRawValues(E.STRING, new Uint8Array(2), 1)).code).toBe('TENSOR_DATA');
    expect(catchError(() => decodeRawValues(99, new Uint8Array(2), 1)).code).toBe('TENSOR_DATA');
    expect(catchError(() => decodeRawValues(E.FLOAT, new Uint8Array(0), -1)).code).toBe('TENSOR_DATA');
    expect(decodeRawValues(E.INT4, new Uint8Array(3), 5)).toHaveLength(5);
    expect(decodeRawValues(E.FLOAT, new Uint8Array(0), 0)).toHaveLength(0);
  });
});

describe('decodeTypedValues', () => {
  const typed = (type: ElemTypeCode, values: Array<number | bigint>, n: number): unknown[] =>
    Array.from(decodeTypedValues(type, values, n) as ArrayLike<unknown>);

  it('reads 16-bit and 8-bit float bit patterns from int32Data', () => {
    expect(typed(E.FLOAT16, [0x3c00, 0x7bff, 0xbc00], 3)).toEqual([1, 65504, -1]);
    expect(typed(E.BFLOAT16, [0x3f80, 0xc000], 2)).toEqual([1, -2]);
    expect(typed(E.FLOAT8E4M3FN, [0x7e, 0x38], 2)).toEqual([448, 1]);
    expect(typed(E.FLOAT8E5M2, [0x7c], 1)).toEqual([Infinity]);
    expect(typed(E.FLOAT8E8M0, [0x7f], 1)).toEqual([1]);
  });

  it('unpacks two 4-bit and four 2-bit elements per int32 entry', () => {
    expect(typed(E.INT4, [0x8f, 0x07], 3)).toEqual([-1, -8, 7]);
    expect(typed(E.UINT4, [0x8f], 2)).toEqual([15, 8]);
    expect(typed(E.FLOAT4E2M1, [0xf7], 2)).toEqual([6, -6]);
    expect(typed(E.INT2, [0xe4, 0x01], 5)).toEqual([0, 1, -2, -1, 1]);
    expect(typedEntryCount(E.INT4, 5)).toBe(3);
    expect(typedEntryCount(E.UINT2, 5)).toBe(2);
    expect(catchError(() => decodeTypedValues(E.INT4, [1, 2], 5)).code).toBe('TENSOR_DATA');
  });

  it('reads small integers and bool from int32Data', () => {
    expect(typed(E.INT8, [-128, 127], 2)).toEqual([-128, 127]);
    expect(typed(E.UINT8, [255], 1)).toEqual([255]);
    expect(typed(E.INT16, [-2, 32767], 2)).toEqual([-2, 32767]);
    expect(typed(E.UINT16, [65535], 1)).toEqual([65535]);
    expect(typed(E.INT32, [-2147483648], 1)).toEqual([-2147483648]);
    expect(typed(E.BOOL, [0, 1, 5, 256], 4)).toEqual([0, 1, 1, 1]);
  });

  it('reads 64-bit integers exactly, number and bigint mixed', () => {
    const i64 = decodeTypedValues(E.INT64, [1, 9223372036854775807n, -1, 2 ** 53], 4);
    expect(i64).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i64 as BigInt64Array)).toEqual([1n, 9223372036854775807n, -1n, 2n ** 53n]);
    const u64 = decodeTypedValues(E.UINT64, [18446744073709551615n, 5, -1n], 3) as BigUint64Array;
    expect(Array.from(u64)).toEqual([18446744073709551615n, 5n, 18446744073709551615n]);
    expect(typed(E.UINT32, [4294967295, 7n], 2)).toEqual([4294967295, 7]);
    expect(catchError(() => decodeTypedValues(E.INT64, [1.5], 1)).code).toBe('TENSOR_DATA');
  });

  it('reads float, double, complex and string fields', () => {
    expect(typed(E.FLOAT, [1.5, -2], 2)).toEqual([1.5, -2]);
    expect(typed(E.DOUBLE, [0.1], 1)).toEqual([0.1]);
    expect(typed(E.COMPLEX64, [1, 2, 3, 4], 2)).toEqual([1, 2, 3, 4]);
    expect(typed(E.COMPLEX128, [0.1, 0.2], 1)).toEqual([0.1, 0.2]);
    expect(catchError(() => decodeTypedValues(E.COMPLEX64, [1, 2], 2)).code).toBe('TENSOR_DATA');
    const strings = [Uint8Array.of(104, 105), new Uint8Array(0)];
    expect(decodeTypedValues(E.STRING, strings, 2)).toEqual(strings);
    const err = catchError(() => decodeTypedValues(E.FLOAT, [1], 2, { name: 'bias' }));
    expect(err.message).toBe("tensor 'bias': float data of 2 elements needs 2 entries, got 1");
  });
});

describe('summarizeValues', () => {
  it('computes statistics, skipping NaN', () => {
    const s = summarizeValues(Float32Array.of(1, 2, 3, 4, NaN, 0));
    expect(s.count).toBe(6);
    expect(s.min).toBe(0);
    expect(s.max).toBe(4);
    expect(s.mean).toBe(2);
    expect(s.std).toBeCloseTo(Math.SQRT2, 12);
    expect(s.zeros).toBe(1);
    expect(s.nanCount).toBe(1);
    expect(s.first.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(s.first[4]).toBeNaN();
    expect(summarizeValues(Float32Array.of(1, 2, 3), 2).first).toEqual([1, 2]);
  });

  it('keeps precision with a large common offset', () => {
    const s = summarizeValues(Float64Array.of(1e9 + 1, 1e9 + 2, 1e9 + 3));
    expect(s.mean).toBe(1e9 + 2);
    expect(s.std).toBeCloseTo(Math.sqrt(2 / 3), 9);
  });

  it('handles empty, all-NaN, integer and 64-bit inputs', () => {
    const empty = summarizeValues(new Float32Array(0));
    expect([empty.min, empty.max, empty.mean, empty.std].every(Number.isNaN)).toBe(true);
    expect(empty.count).toBe(0);
    expect(summarizeValues(Float32Array.of(NaN, NaN)).nanCount).toBe(2);
    const inf = summarizeValues(Float32Array.of(Infinity, 1, NaN, -Infinity));
    expect([inf.min, inf.max, inf.nanCount]).toEqual([-Infinity, Infinity, 1]);
    expect(summarizeValues(Float32Array.of(Infinity, 2)).min).toBe(2);
    const i8 = summarizeValues(Int8Array.of(-128, 127, 0, 0));
    expect([i8.min, i8.max, i8.zeros]).toEqual([-128, 127, 2]);
    const i64 = summarizeValues(BigInt64Array.of(-1n, 9223372036854775807n, 0n, -9223372036854775808n));
    expect([i64.min, i64.max, i64.zeros]).toEqual([-(2 ** 63), 2 ** 63, 1]); // rounded to the nearest double
    expect(i64.first).toEqual([-1, 2 ** 63, 0, -(2 ** 63)]);
    const u64 = summarizeValues(BigUint64Array.of(18446744073709551615n, 1n));
    expect([u64.min, u64.max]).toEqual([1, 2 ** 64]);
    const big = summarizeValues(new BigInt64Array(10000).fill(3n));
    expect([big.mean, big.std, big.count]).toEqual([3, 0, 10000]);
  });

  it('summarizes ten million floats quickly', () => {
    const a = new Float32Array(10_000_000);
    for (let i = 0; i < a.length; i++) a[i] = (i % 1000) - 499.5;
    const t0 = performance.now();
    const s = summarizeValues(a);
    const ms = performance.now() - t0;
    expect(s.mean).toBeCloseTo(0, 9);
    expect(s.std).toBeCloseTo(Math.sqrt((1000 * 1000 - 1) / 12), 6);
    expect(ms).toBeLessThan(2000); // about 20 ms here; the bound only catches a pathological slowdown
  });
});

describe('decoding views into a Node Buffer (how model files are read)', () => {
  it('decodes an unaligned view exactly, not the start of the pooled buffer', () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => i * 0.5 - 3);
    const file = Buffer.alloc(8192);
    file.fill(0xff); // NaN everywhere else: reading the wrong bytes cannot go unnoticed
    const at = 4097; // not a multiple of 4
    Buffer.from(values.buffer).copy(file, at);
    const view = file.subarray(at, at + values.byteLength); // a Buffer, as the decoder makes
    expect(Array.from(decodeRawValues(ElemType.FLOAT, view, 64) as Float32Array)).toEqual(Array.from(values));
    expect(Array.from(decodeRawValues(ElemType.FLOAT, view, 64, { copy: true }) as Float32Array)).toEqual(Array.from(values));
    const i8 = file.subarray(at, at + 8);
    const copied = decodeRawValues(ElemType.INT8, i8, 8, { copy: true }) as Int8Array;
    i8[0] = 7;
    expect(copied[0]).toBe(0); // a copy, not a view of the file
  });
});

describe('float and double raw encoding from typed arrays', () => {
  it('rounds a Float64Array to float32 as it rounds a plain array of the same numbers', () => {
    // Near-ties, sub-normals, overflow to Infinity, NaN, −0.
    const values = [1 + 2 ** -24, 1 + 2 ** -24 + 2 ** -40, 1 - 2 ** -25, 2 ** -149 * 1.5, 3.5e38, -0, NaN, Math.PI, -1e-300];
    const fromPlain = encodeRawValues(ElemType.FLOAT, values);
    expect(encodeRawValues(ElemType.FLOAT, Float64Array.from(values))).toEqual(fromPlain);
    expect(Array.from(decodeRawValues(ElemType.FLOAT, fromPlain, values.length) as Float32Array)).toEqual(Array.from(Float32Array.from(values)));
  });

  it('widens a Float32Array to double exactly', () => {
    const f = Float32Array.from([0.1, -3.4e38, 1e-45, NaN]);
    expect(encodeRawValues(ElemType.DOUBLE, f)).toEqual(encodeRawValues(ElemType.DOUBLE, Array.from(f)));
  });
});
