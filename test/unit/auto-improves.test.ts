import { describe, expect, it } from 'vitest';
import { improves, ROUND_NOISE } from '../../electron/quantize/auto-quantize.js';

const round = (ratio: number, cosine: number, accurate = cosine >= 0.99) => ({ accurate, cosine, latency: { before: 1, after: ratio, ratio, verdict: '' } });

describe('quantize --auto: whether a round improves on the best so far', () => {
  it('an accurate round needs a gain in time beyond the noise; within it, its changes are undone', () => {
    expect(ROUND_NOISE).toBe(0.02);
    // 0.70 vs 0.72: 2.8% faster, beyond 2%.
    expect(improves(round(0.7, 0.999), round(0.72, 0.999))).toBe(true);
    // 0.71 vs 0.72: 1.4% faster, within noise.
    expect(improves(round(0.71, 0.999), round(0.72, 0.999))).toBe(false);
    expect(improves(round(0.75, 0.9999), round(0.72, 0.999))).toBe(false);
  });

  it('accuracy first: an accurate round beats an inaccurate one however slow; among inaccurate ones the higher cosine', () => {
    expect(improves(round(1.2, 0.995), round(0.5, 0.98))).toBe(true);
    expect(improves(round(0.5, 0.98), round(1.2, 0.995))).toBe(false);
    expect(improves(round(0.9, 0.985), round(0.6, 0.98))).toBe(true);
  });
});
