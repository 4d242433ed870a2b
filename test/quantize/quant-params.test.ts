import { describe, expect, it } from 'vitest';
import { paramsForRange, quantizeValue, quantRange, roundHalfEven, scaleZeroPoint } from '../../shared/quantize/quant-params.js';
import { EntropyCollector, entropyThreshold } from '../../shared/quantize/entropy-collector.js';
import { PercentileCollector } from '../../shared/quantize/percentile-collector.js';
import { quantizeBias, quantizeTensor } from '../../shared/quantize/quantize-tensor.js';

// Expected values worked out by hand from onnxruntime's formulas (quant_utils.py).

describe('quantization parameters', () => {
  it('integer ranges: uint8, int8, symmetric int8 and reduce_range', () => {
    expect(quantRange('uint8')).toEqual([0, 255]);
    expect(quantRange('uint8', true)).toEqual([0, 127]);
    expect(quantRange('int8')).toEqual([-128, 127]);
    expect(quantRange('int8', false, true)).toEqual([-127, 127]);
    expect(quantRange('int8', true)).toEqual([-64, 64]);
    expect(quantRange('int8', true, true)).toEqual([-64, 64]);
  });

  it('rounds halves to even as numpy does', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, -2, 2, -3]);
  });

  it('asymmetric uint8: [-1, 2] gives scale 3/255 and zero point 85', () => {
    const p = scaleZeroPoint(-1, 2, 0, 255);
    expect(p.scale).toBe(Math.fround(3 / 255));
    expect(p.zeroPoint).toBe(85);
    expect(quantizeValue(-1, p, 0, 255)).toBe(0);
    expect(quantizeValue(2, p, 0, 255)).toBe(255);
    expect(quantizeValue(0, p, 0, 255)).toBe(85);
    expect(quantizeValue(5, p, 0, 255)).toBe(255); // clipped
  });

  it('widens the range to hold 0', () => {
    const p = scaleZeroPoint(0.5, 2, 0, 255);
    expect(p.scale).toBe(Math.fround(2 / 255));
    expect(p.zeroPoint).toBe(0);
    const n = scaleZeroPoint(-4, -1, 0, 255);
    expect(n.scale).toBe(Math.fround(4 / 255));
    expect(n.zeroPoint).toBe(255);
  });

  it('symmetric: ±max|r|, zero point in the middle (uint8: round(127.5) = 128)', () => {
    const s = paramsForRange(-0.5, 2, 'int8', { symmetric: true });
    expect(s.scale).toBe(Math.fround(4 / 254));
    expect(s.zeroPoint).toBe(0);
    const u = paramsForRange(-1, 0.25, 'uint8', { symmetric: true });
    expect(u.scale).toBe(Math.fround(2 / 255));
    expect(u.zeroPoint).toBe(128);
  });

  it('a range of zero width takes scale 1 and zero point 0', () => {
    expect(scaleZeroPoint(0, 0, 0, 255)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(scaleZeroPoint(0, 0, -127, 127, true)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('reduce_range halves the integer range', () => {
    const p = paramsForRange(-1, 2, 'uint8', { reduceRange: true });
    expect(p.scale).toBe(Math.fround(3 / 127));
    expect(p.zeroPoint).toBe(42); // round(127/3 = 42.33)
  });
});

describe('quantized tensors', () => {
  it('per tensor, symmetric int8 in [-127, 127]', () => {
    const q = quantizeTensor([-1, 0, 0.25, 1], [4], { type: 'int8', symmetric: true });
    expect(q.scales).toEqual([Math.fround(1 / 127)]);
    expect(q.zeroPoints).toEqual([0]);
    expect(Array.from(q.values)).toEqual([-127, 0, 32, 127]); // 0.25·127 = 31.75
    expect(q.values).toBeInstanceOf(Int8Array);
  });

  it('per tensor, asymmetric uint8', () => {
    const q = quantizeTensor([-1, 2, 0.5], [3], { type: 'uint8', symmetric: false });
    expect(q.zeroPoints).toEqual([85]);
    // 0.5 / float32(3/255) is 42.4999998, which float32 division rounds to 42.5: ties to even give 42.
    expect(Array.from(q.values)).toEqual([0, 255, 85 + 42]);
  });

  it('per channel along axis 0 (Conv weights) and axis 1 (MatMul weights)', () => {
    const a0 = quantizeTensor([-2, 0.5, 0, 0.1, 0.3, 0.4], [2, 3], { type: 'int8', symmetric: true, axis: 0 });
    expect(a0.scales).toEqual([Math.fround(2 / 127), Math.fround(0.4 / 127)]);
    expect(Array.from(a0.values)).toEqual([-127, 32, 0, 32, 95, 127]);
    expect(a0.axis).toBe(0);
    const a1 = quantizeTensor([1, -4, -0.25, 3], [2, 2], { type: 'int8', symmetric: true, axis: 1 });
    expect(a1.scales).toEqual([Math.fround(1 / 127), Math.fround(4 / 127)]);
    expect(Array.from(a1.values)).toEqual([127, -127, -32, 95]);
  });

  it('bias: int32 with scale input scale × weight scale, per channel', () => {
    const b = quantizeBias([1, -2], 0.5, [0.01, 0.02]);
    expect(b.scales).toEqual([Math.fround(0.005), Math.fround(0.01)]);
    expect(Array.from(b.values)).toEqual([200, -200]);
    const one = quantizeBias([0.3, 0.7], 0.1, [0.5]);
    expect(one.scales).toEqual([Math.fround(0.05)]);
    expect(Array.from(one.values)).toEqual([6, 14]);
  });
});

describe('percentile calibration', () => {
  it('cuts (100 − p)/2 % off each side of a histogram spanning the full range', () => {
    // 0..999 over 1000 bins of width 0.999: one value per bin, cdf[i] = (i + 1)/1000.
    const values = Float32Array.from({ length: 1000 }, (_, i) => i);
    const c = new PercentileCollector(new Map([['t', { min: 0, max: 999 }]]), false, 1000);
    c.add('t', values.subarray(0, 500));
    c.add('t', values.subarray(500));
    // p = 99: cut 0.5% per side; the first bin reaching 0.005 is 4 (left edge 3.996), reaching 0.995 is 994 (left edge 993.006).
    const r = c.result(99).get('t')!;
    expect(r.min).toBeCloseTo(4 * 0.999, 9);
    expect(r.max).toBeCloseTo(994 * 0.999, 9);
  });

  it('symmetric: ± the p-th percentile of |x|, never past the seen range', () => {
    const values = Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? -1 : 1) * (i / 2));
    const c = new PercentileCollector(new Map([['t', { min: -99.5, max: 99 }]]), true, 100);
    c.add('t', values);
    // |x| = 0, 0.5, …, 99.5 in 100 bins of 0.995 (about two values each): cdf reaches 0.9 at bin 89 (left edge 88.555).
    const r = c.result(90).get('t')!;
    expect(r.max).toBeCloseTo(89 * 0.995, 9);
    expect(r.min).toBeCloseTo(-89 * 0.995, 9);
    const all = c.result(100).get('t')!;
    expect(all.max).toBeLessThanOrEqual(99);
  });
});

describe('entropy calibration', () => {
  it('picks the window whose 8-bit model diverges least (worked by hand on 4 bins, 2 quantized)', () => {
    // Candidates (onnxruntime's windows of 2i + 1 bins from the middle, clipped): i = 1 takes bins 1..3, i = 2 all four.
    // [0, 8, 8, 0], i = 1: p = [8, 8, 0], q = [8, 8, 0]: KL 0. i = 2: p = [0, 8, 8, 0] against q = [8, 8, 8, 8]
    // (each merged pair's 8 set on both its bins, the zero one too): KL ≈ ln 2. Bins 1..3 win: edges -1 and 2.
    expect(entropyThreshold([0, 8, 8, 0], [-2, -1, 0, 1, 2], 2)).toEqual([-1, 2]);
    // [1, 8, 8, 1], i = 1: p = [9, 8, 1] against q = [8, 9, 0]: KL ≈ 0.46 (the 1 in bin 3 has no q). i = 2: q = trunc(9/2) = 4
    // everywhere against p = [1, 8, 8, 1]: KL = 2(1/18)ln((1/18)/.25) + 2(8/18)ln((8/18)/.25) ≈ 0.344. The full window wins.
    expect(entropyThreshold([1, 8, 8, 1], [-2, -1, 0, 1, 2], 2)).toEqual([-2, 2]);
    // Mass in the tails: cutting them costs more than the full window's coarser grid.
    expect(entropyThreshold([8, 1, 1, 8], [-2, -1, 0, 1, 2], 2)).toEqual([-2, 2]);
  });

  it('cuts a rare outlier off a tensor and stays within the seen range', () => {
    const values = Float32Array.from({ length: 20000 }, (_, i) => Math.sin(i) * 0.5);
    values[7] = 8; // one outlier
    const c = new EntropyCollector(new Map([['t', { min: -0.5, max: 8 }]]));
    c.add('t', values);
    const r = c.result().get('t')!;
    expect(r.max).toBeLessThan(2);
    expect(r.max).toBeGreaterThanOrEqual(0.45);
    expect(r.min).toBeGreaterThanOrEqual(-0.5);
  });
});
