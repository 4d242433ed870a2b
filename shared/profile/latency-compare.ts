// End-to-end latency of B against A from interleaved runs: the ratio of medians, the spread of
// the per-pair ratios, and whether the difference stands out from run-to-run noise.

import type { LatencyComparison } from './report-schema.js';
import { mannWhitneyP, quantile, spreadOf } from './stats.js';

/** Differences smaller than this fraction are called noise however consistent they look. */
export const PRACTICAL_NOISE = 0.02;
/** Significance level of the rank test. */
export const ALPHA = 0.05;

/** Compares B's run times with A's (`a[i]` and `b[i]` measured back to back). */
export function compareLatency(a: readonly number[], b: readonly number[]): LatencyComparison {
  const ma = spreadOf(a).median;
  const mb = spreadOf(b).median;
  const ratio = ma > 0 ? mb / ma : NaN;
  const pairs = a.map((x, i) => (x > 0 && b[i] !== undefined ? b[i]! / x : NaN)).filter(Number.isFinite).sort((x, y) => x - y);
  const pValue = mannWhitneyP(a, b);
  const withinNoise = !(Math.abs(ratio - 1) >= PRACTICAL_NOISE && pValue < ALPHA);
  const pct = Math.abs(ratio - 1) * 100;
  const facts = `b/a = ${ratio.toFixed(3)}, p = ${pValue.toPrecision(2)}, ${a.length} runs each`;
  const verdict = withinNoise
    ? `within noise (${facts})`
    : `B is ${pct.toFixed(1)}% ${ratio < 1 ? 'faster' : 'slower'} than A (${facts})`;
  return {
    latencyRatio: ratio,
    ratioSpread: { p10: quantile(pairs, 0.1), p90: quantile(pairs, 0.9) },
    pValue,
    withinNoise,
    verdict,
  };
}
