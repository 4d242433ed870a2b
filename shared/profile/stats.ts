// Order statistics of repeated timings, and a rank test for "is B really different from A".
// Timings are noisy and skewed (a run now and then is slow): medians and percentiles, not means.

/** The spread of repeated measurements of one figure (milliseconds unless said otherwise). */
export interface Spread {
  median: number;
  p90: number;
  min: number;
  max: number;
  /** Interquartile range: the width of the middle half of the runs. */
  iqr: number;
  count: number;
}

/** The q-quantile (0..1) of ascending `sorted`, interpolating linearly between ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median, p90, min, max and IQR of `values` (NaN for all of them when there are none). */
export function spreadOf(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    min: s.length ? s[0]! : NaN,
    max: s.length ? s[s.length - 1]! : NaN,
    iqr: quantile(s, 0.75) - quantile(s, 0.25),
    count: s.length,
  };
}

function ranks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const r = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.v === order[i]!.v) j++;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) r[order[k]!.i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return { ranks: r, tieTerm };
}

// Exact null distribution of U for sample sizes m, n (no ties): counts of arrangements by U.
function exactUCounts(m: number, n: number): number[] {
  // f[i][j][u]: arrangements of i x's and j y's with U = u; built up one element at a time.
  let prev: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i++) {
    const cur: number[][] = [[1]];
    for (let j = 1; j <= n; j++) {
      const a = cur[j - 1]!; // last element is a y: U unchanged
      const b = prev[j]!; // last element is an x, larger than all j y's: U + j
      const out = new Array<number>(i * j + 1).fill(0);
      a.forEach((c, u) => (out[u]! += c));
      b.forEach((c, u) => (out[u + j]! += c));
      cur.push(out);
    }
    prev = cur;
  }
  return prev[n]!;
}

function normalTail(z: number): number {
  // Abramowitz–Stegun 7.1.26 for erfc; plenty for a p-value.
  const t = 1 / (1 + 0.3275911 * (z / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-(z * z) / 2);
}

/**
 * Two-sided Mann–Whitney U test of "a and b come from the same distribution": exact for small
 * samples without ties, the normal approximation (tie-corrected) otherwise. Returns p in [0, 1].
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return 1;
  const { ranks: r, tieTerm } = ranks([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < m; i++) rankSumA += r[i]!;
  const u = rankSumA - (m * (m + 1)) / 2;
  const uMin = Math.min(u, m * n - u);
  if (tieTerm === 0 && m <= 25 && n <= 25) {
    const counts = exactUCounts(m, n);
    const total = counts.reduce((x, y) => x + y, 0);
    let tail = 0;
    for (let k = 0; k <= Math.floor(uMin); k++) tail += counts[k] ?? 0;
    return Math.min(1, (2 * tail) / total);
  }
  const N = m + n;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return 1;
  const z = (Math.abs(u - (m * n) / 2) - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalTail(Math.max(0, z)));
}
