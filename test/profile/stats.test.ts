import { describe, expect, it } from 'vitest';
import { ElemType } from '../../shared/onnx/element-types.js';
import { compareLatency } from '../../shared/profile/latency-compare.js';
import { top1Agreement, topKAgreement } from '../../shared/profile/output-agreement.js';
import { mannWhitneyP, spreadOf } from '../../shared/profile/stats.js';

describe('timing statistics', () => {
  it('gives medians and percentiles the way numpy does', () => {
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, p90: 3.7, min: 1, max: 4, iqr: 1.5, count: 4 });
    expect(spreadOf([]).median).toBeNaN();
  });

  it('computes exact Mann–Whitney p-values for small samples and the normal approximation with ties', () => {
    // All of a below all of b: 2 of the C(6,3) = 20 orderings are as extreme.
    expect(mannWhitneyP([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.1, 12);
    expect(mannWhitneyP([1, 4, 5], [2, 3, 6])).toBeCloseTo(1, 12);
    const tied = mannWhitneyP([1, 1, 2, 2, 3, 3, 4, 4], [5, 5, 6, 6, 7, 7, 8, 8]);
    expect(tied).toBeLessThan(0.01);
    expect(mannWhitneyP([2, 2, 2], [2, 2, 2])).toBe(1);
  });

  it('calls a consistent 2x difference significant, and equal timings noise', () => {
    const a = [10.1, 10.3, 9.9, 10.0, 10.2, 10.4, 9.8, 10.1];
    const faster = compareLatency(a, a.map((x) => x / 2));
    expect(faster.latencyRatio).toBeCloseTo(0.5, 9);
    expect(faster.withinNoise).toBe(false);
    expect(faster.verdict).toMatch(/^B is 50\.0% faster than A/);
    const same = compareLatency(a, [10.2, 10.0, 10.1, 9.9, 10.3, 10.0, 10.2, 9.9]);
    expect(same.withinNoise).toBe(true);
    expect(same.verdict).toMatch(/^within noise/);
    expect(same.ratioSpread.p10).toBeLessThanOrEqual(1);
    expect(same.ratioSpread.p90).toBeGreaterThanOrEqual(1);
  });

  it('compares top-1 classes for outputs shaped like class scores only', () => {
    const t = (dims: number[], values: number[]) => ({ elemType: ElemType.FLOAT, dims, values: Float32Array.from(values) });
    expect(top1Agreement(t([2, 3], [0, 1, 0, 5, 0, 0]), t([2, 3], [0, 2, 0, 0, 0, 5]))).toBe(0.5);
    expect(top1Agreement(t([1, 3, 1, 1], [0, 1, 0]), t([1, 3, 1, 1], [0, 1, 0]))).toBe(1);
    expect(top1Agreement(t([2, 2, 2], new Array(8).fill(0)), t([2, 2, 2], new Array(8).fill(0)))).toBeNull();
  });

  it('top-5: whether the top class of A is among the five highest of B (ties count against it); null up to 5 classes', () => {
    const t = (dims: number[], values: number[]) => ({ elemType: ElemType.FLOAT, dims, values: Float32Array.from(values) });
    // Row 0: A picks class 6, which B ranks sixth; row 1: A picks class 0, which B ranks fifth.
    const a = t([2, 7], [0, 0, 0, 0, 0, 0, 9, 9, 0, 0, 0, 0, 0, 0]);
    const b = t([2, 7], [6, 5, 4, 3, 2, 1, 1.5, 3, 9, 8, 7, 6, 0, 0]);
    expect(topKAgreement(a, b, 5)).toBe(0.5);
    expect(top1Agreement(a, b)).toBe(0);
    expect(topKAgreement(t([1, 5], [1, 2, 3, 4, 5]), t([1, 5], [5, 4, 3, 2, 1]), 5)).toBeNull();
    // A flat row of B ties every class: nothing is in its top 5 by luck.
    expect(topKAgreement(t([1, 7], [0, 0, 0, 0, 0, 0, 1]), t([1, 7], new Array(7).fill(0)), 5)).toBe(0);
  });
});
