import { describe, expect, it } from 'vitest';
import { accuracyVerdict, kernelDifferences, speedVerdict } from '../bench/compress-verdicts.js';

describe("bench:compress verdicts (ours against a peer)", () => {
  it('speed: the same times are within noise; 20% less time in every round is faster, 20% more slower', () => {
    const peer = Array.from({ length: 40 }, (_, i) => 10 + (i % 5) * 0.1);
    expect(speedVerdict(peer, peer).verdict).toBe('within noise');
    expect(speedVerdict(peer, peer).text).toMatch(/^within noise \(±0\.0%; ours 1\.000x/);
    expect(speedVerdict(peer, peer.map((t) => t * 0.8))).toMatchObject({ verdict: 'better', text: expect.stringMatching(/^faster \(ours 1\.25\dx/) });
    expect(speedVerdict(peer, peer.map((t) => t * 1.2)).verdict).toBe('worse');
    // Rounds ±10% either way: the median's interval holds 1.
    expect(speedVerdict(peer, peer.map((t, r) => t * (r % 2 ? 0.9 : 1.1))).verdict).toBe('within noise');
    // 1% apart is under the 2% practical threshold however consistent.
    expect(speedVerdict(peer, peer.map((t) => t * 0.99)).verdict).toBe('within noise');
  });

  it('accuracy: a mean difference within twice its standard error is noise; beyond it, better or worse', () => {
    const peer = [0.98, 0.99, 0.97, 0.985];
    // Differences +0.002, −0.002, +0.002, −0.002: mean 0.
    expect(accuracyVerdict(peer, [0.982, 0.988, 0.972, 0.983]).verdict).toBe('within noise');
    // Differences 0.004..0.006: mean 0.005, SE 0.00041 → better.
    const better = accuracyVerdict(peer, [0.984, 0.995, 0.976, 0.99]);
    expect(better.verdict).toBe('better');
    expect(better.text).toContain('+0.00500');
    expect(accuracyVerdict(peer, [0.976, 0.985, 0.964, 0.98]).verdict).toBe('worse');
  });

  it('kernels: the op counts that differ, none for the same multiset', () => {
    const a = new Map([['QLinearConv', 3], ['QLinearAdd', 2]]);
    expect(kernelDifferences(a, new Map(a))).toEqual([]);
    expect(kernelDifferences(a, new Map([['QLinearConv', 3], ['com.microsoft:QLinearAdd', 1]]))).toEqual(['QLinearAdd 2 vs 0', 'com.microsoft:QLinearAdd 0 vs 1']);
  });
});
