import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { compareTensors, REL_ERROR_FLOOR } from '../../shared/verify/compare.js';
import type { TensorData } from '../../shared/verify/tensor-data.js';
import { resolveTolerance, TOLERANCES, type Tolerance } from '../../shared/verify/tolerance.js';
import { mergeComparisons } from '../../shared/verify/verification-result.js';

const f32 = (values: number[], dims = [values.length]): TensorData => ({ elemType: ElemType.FLOAT, dims, values: Float32Array.from(values) });
const f64 = (values: number[], dims = [values.length]): TensorData => ({ elemType: ElemType.DOUBLE, dims, values: Float64Array.from(values) });
const i64 = (values: bigint[]): TensorData => ({ elemType: ElemType.INT64, dims: [values.length], values: BigInt64Array.from(values) });
const exact = TOLERANCES.exact;
const loose: Tolerance = { name: 'loose', atol: 1, rtol: 1, atolOfRange: 0, minCosine: null, maxMismatchFraction: 0 };

describe('compareTensors: floats', () => {
  it('equal arrays: zero errors, cosine 1, passed', () => {
    const c = compareTensors(f32([1, -2, 3.5]), f32([1, -2, 3.5]), exact);
    expect(c).toEqual({ maxAbsError: 0, maxRelError: 0, cosine: 1, mismatches: 0, elementCount: 3, passed: true });
  });

  it('reports max absolute and relative error, the relative one with a floor for zeros', () => {
    const c = compareTensors(f64([0, 2, -4]), f64([1e-7, 2.001, -4]), loose);
    expect(c.maxAbsError).toBeCloseTo(0.001, 12);
    // 1e-7 off an exact zero is 1e-7 / REL_ERROR_FLOOR = 0.1 relative, larger than 0.001 / 2.
    expect(c.maxRelError).toBeCloseTo(1e-7 / REL_ERROR_FLOOR, 9);
    expect(c.passed).toBe(true);
  });

  it('counts elements outside atol + rtol·|expected| and names the worst', () => {
    const t: Tolerance = { ...loose, atol: 0.01, rtol: 0.1 };
    // bounds: 0.01 + 0.1·|e| = 0.11, 1.01, 0.01; errors: 0.1 (in), 1.5 (out), 0.02 (out)
    const c = compareTensors(f64([1, 10, 0]), f64([1.1, 11.5, 0.02]), t);
    expect(c.mismatches).toBe(2);
    expect(c.passed).toBe(false);
    expect(c.reason).toBe('2 of 3 elements differ by more than 0.01 + 0.1·|expected| (worst at index 1: expected 10, got 11.5)');
  });

  it('cosine of opposite vectors is -1 and fails any cosine bound', () => {
    // Each element is within rtol 3 of its expected value; only the cosine sees the sign flip.
    const t: Tolerance = { ...loose, atol: 0, rtol: 3, minCosine: 0.5 };
    const c = compareTensors(f32([1, 2, 3]), f32([-1, -2, -3]), t);
    expect(c.cosine).toBe(-1);
    expect(c.mismatches).toBe(0);
    expect(c.passed).toBe(false);
    expect(c.reason).toBe('cosine similarity -1 is below 0.5');
  });

  it('cosine of orthogonal vectors is 0; of two zero vectors 1; of zero and non-zero 0', () => {
    expect(compareTensors(f32([1, 0]), f32([0, 1]), loose).cosine).toBe(0);
    expect(compareTensors(f32([0, 0]), f32([0, 0]), loose).cosine).toBe(1);
    expect(compareTensors(f32([0, 0]), f32([0, 1e-3]), loose).cosine).toBe(0);
  });

  it('does not let cosine fail an output that lies entirely within the absolute slack', () => {
    // Expected values under atol: their direction is noise, and the elements already pass.
    const c = compareTensors(f32([1e-6, -1e-6]), f32([-1e-6, 1e-6]), TOLERANCES.reassociation);
    expect(c.cosine).toBe(-1);
    expect(c.passed).toBe(true);
  });

  it('cosine stays finite for huge doubles', () => {
    const c = compareTensors(f64([1e300, 1e300]), f64([1e300, 1e300]), exact);
    expect(c.cosine).toBe(1);
  });

  it('NaN in the same places is equal; NaN in one only fails, whatever the tolerance', () => {
    expect(compareTensors(f32([NaN, 1]), f32([NaN, 1]), exact).passed).toBe(true);
    const c = compareTensors(f32([NaN, 1, 2]), f32([1, 1, NaN]), { ...loose, atol: 1e9, maxMismatchFraction: 1 });
    expect(c.passed).toBe(false);
    expect(c.mismatches).toBe(2);
    expect(c.reason).toBe('NaN or Inf in different places at 2 of 3 elements (first at index 0: expected NaN, got 1)');
    // The statistics come from the elements finite in both.
    expect(c.maxAbsError).toBe(0);
  });

  it('infinities must be the same infinity', () => {
    expect(compareTensors(f32([Infinity, -Infinity]), f32([Infinity, -Infinity]), exact).passed).toBe(true);
    expect(compareTensors(f32([Infinity]), f32([-Infinity]), loose).passed).toBe(false);
    expect(compareTensors(f32([Infinity]), f32([3e38]), loose).reason).toMatch(/^NaN or Inf in different places/);
  });

  it('a mismatch fraction lets that many elements stray, no more', () => {
    const e = f32(Array.from({ length: 100 }, () => 1));
    const a = f32(Array.from({ length: 100 }, (_, i) => (i < 2 ? 5 : 1)));
    const t: Tolerance = { ...exact, maxMismatchFraction: 0.02 };
    expect(compareTensors(e, a, t).passed).toBe(true);
    expect(compareTensors(e, a, { ...t, maxMismatchFraction: 0.01 }).passed).toBe(false);
  });

  it('the range term scales the absolute slack with the largest expected magnitude', () => {
    const t: Tolerance = { ...exact, atol: 0, rtol: 0, atolOfRange: 0.01 };
    // max |expected| = 100, so every element may be off by 1.
    expect(compareTensors(f32([100, 0]), f32([100, 0.9]), t).passed).toBe(true);
    expect(compareTensors(f32([100, 0]), f32([100, 1.1]), t).passed).toBe(false);
  });

  it('float16 outputs compare as the float32 values they widen to', () => {
    const e: TensorData = { elemType: ElemType.FLOAT16, dims: [2], values: Float32Array.from([0.5, 1]) };
    expect(compareTensors(e, { ...e, values: Float32Array.from([0.5, 1.0009765625]) }, exact).passed).toBe(false);
    expect(compareTensors(e, { ...e, values: Float32Array.from([0.5, 1.0009765625]) }, TOLERANCES.fp16).passed).toBe(true);
  });
});

describe('compareTensors: integers, bool, strings', () => {
  it('integers must be equal under every level but int8 (which lets 1% differ)', () => {
    const e = i64([1n, 2n, 9007199254740993n]);
    expect(compareTensors(e, i64([1n, 2n, 9007199254740993n]), TOLERANCES.fp16).passed).toBe(true);
    // Off by one beyond 2^53: only exact bigint comparison sees it.
    const c = compareTensors(e, i64([1n, 2n, 9007199254740992n]), TOLERANCES.fp16);
    expect(c.passed).toBe(false);
    expect(c.mismatches).toBe(1);
    expect(c.maxAbsError).toBe(1);
    expect(c.reason).toBe('1 of 3 elements differ (first at index 2: expected 9007199254740993, got 9007199254740992)');
    expect(compareTensors(e, i64([1n, 3n, 9007199254740993n]), TOLERANCES.reassociation).passed).toBe(false);
  });

  it('int32 and bool compare exactly', () => {
    const i32 = (v: number[]): TensorData => ({ elemType: ElemType.INT32, dims: [v.length], values: Int32Array.from(v) });
    expect(compareTensors(i32([1, -5]), i32([1, -5]), exact).passed).toBe(true);
    expect(compareTensors(i32([1, -5]), i32([1, -4]), loose).passed).toBe(false);
    const b = (v: number[]): TensorData => ({ elemType: ElemType.BOOL, dims: [v.length], values: Uint8Array.from(v) });
    expect(compareTensors(b([1, 0]), b([1, 1]), loose).mismatches).toBe(1);
  });

  it('strings compare exactly and report no numeric statistics', () => {
    const s = (v: string[]): TensorData => ({ elemType: ElemType.STRING, dims: [v.length], values: v });
    expect(compareTensors(s(['a', 'b']), s(['a', 'b']), exact)).toMatchObject({ passed: true, cosine: null, maxAbsError: null });
    expect(compareTensors(s(['a', 'b']), s(['a', 'c']), exact).reason).toBe('1 of 2 strings differ (first at index 1: expected "b", got "c")');
  });
});

describe('compareTensors: type and shape', () => {
  it('a different shape fails with both shapes in the reason', () => {
    const c = compareTensors(f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([1, 2, 3, 4, 5, 6], [3, 2]), loose);
    expect(c).toMatchObject({ passed: false, mismatches: 6, maxAbsError: null, cosine: null, reason: 'shape [3,2], expected [2,3]' });
  });

  it('a different element type fails, even with equal values', () => {
    const c = compareTensors(f32([1]), f64([1]), loose);
    expect(c.passed).toBe(false);
    expect(c.reason).toBe('element type double, expected float');
  });

  it('empty tensors of the same shape pass', () => {
    expect(compareTensors(f32([], [0, 3]), f32([], [0, 3]), exact)).toMatchObject({ passed: true, elementCount: 0 });
  });
});

describe('tolerance levels', () => {
  it('exact: a few float32 ulps pass, 1e-5 relative does not', () => {
    const x = Float32Array.from([1.2345678, -98.76543, 0.5]);
    const ulps = x.map((v) => v + Math.abs(v) * 4 * 1.1920929e-7);
    expect(compareTensors(f32([...x]), f32([...ulps]), TOLERANCES.exact).passed).toBe(true);
    expect(compareTensors(f32([...x]), f32([...x.map((v) => v * (1 + 1e-5))]), TOLERANCES.exact).passed).toBe(false);
    expect(compareTensors(f32([...x]), f32([...x.map((v) => v * (1 + 1e-5))]), TOLERANCES.reassociation).passed).toBe(true);
  });

  it('levels are ordered: each passes whatever a stricter one passes', () => {
    const order = [TOLERANCES.exact, TOLERANCES.folding, TOLERANCES.reassociation, TOLERANCES.fp16, TOLERANCES.int8];
    for (let k = 1; k < order.length; k++) {
      expect(order[k]!.rtol).toBeGreaterThanOrEqual(order[k - 1]!.rtol);
      expect(order[k]!.maxMismatchFraction).toBeGreaterThanOrEqual(order[k - 1]!.maxMismatchFraction);
      expect(order[k]!.minCosine ?? -1).toBeLessThanOrEqual(order[k - 1]!.minCosine ?? 1);
    }
  });

  it('int8 accepts a noisy output with the right shape and rejects one pointing elsewhere', () => {
    const n = 1000;
    const e = Array.from({ length: n }, (_, i) => Math.sin(i));
    const noisy = e.map((v, i) => v + 0.02 * Math.cos(7 * i));
    expect(compareTensors(f32(e), f32(noisy), TOLERANCES.int8).passed).toBe(true);
    const other = e.map((_, i) => Math.sin(i + 0.5));
    expect(compareTensors(f32(e), f32(other), TOLERANCES.int8).passed).toBe(false);
  });

  it('resolves names and checks custom tolerances', () => {
    expect(resolveTolerance('fp16')).toEqual(TOLERANCES.fp16);
    expect(() => resolveTolerance('tight')).toThrow(new WorkbenchError('BAD_OPTION', "tolerance 'tight': expected one of exact, folding, reassociation, fp16, bf16, int8, float16-rounding, bfloat16-rounding"));
    expect(resolveTolerance({ ...loose, name: '' }).name).toBe('custom');
    expect(() => resolveTolerance({ ...loose, atol: -1 })).toThrow(/tolerance atol: -1 is not a number/);
    expect(() => resolveTolerance({ ...loose, minCosine: 2 })).toThrow(/minCosine/);
  });
});

describe('mergeComparisons', () => {
  it('keeps the worst statistics over input sets and names the set that failed', () => {
    const t = { ...loose, atol: 0.5, rtol: 0 };
    const a = compareTensors(f32([1, 2]), f32([1, 2.1]), t);
    const b = compareTensors(f32([1, 2]), f32([1, 3]), t);
    const m = mergeComparisons('y', [a, b], ['input set 1 (seed 0)', 'input set 2 (seed 1)']);
    expect(m.passed).toBe(false);
    expect(m.maxAbsError).toBe(1);
    expect(m.elementCount).toBe(4);
    expect(m.mismatches).toBe(1);
    expect(m.reason).toMatch(/^input set 2 \(seed 1\): 1 of 2 elements differ/);
  });
});
