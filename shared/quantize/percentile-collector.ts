import type { TensorRange } from './static-options.js';

/** onnxruntime's default percentile (calibrate.py, HistogramCalibrater). */
export const DEFAULT_PERCENTILE = 99.999;
/** onnxruntime's bin count for percentile calibration. */
export const PERCENTILE_BINS = 2048;

/** First index whose cumulative fraction reaches `q` (numpy.searchsorted, side left). */
function searchCdf(hist: Float64Array, total: number, q: number): number {
  let sum = 0;
  for (let i = 0; i < hist.length; i++) {
    sum += hist[i]!;
    if (sum / total >= q) return i;
  }
  return hist.length - 1;
}

/**
 * Percentile calibration over a histogram per tensor. The histogram spans the tensor's full
 * MinMax range, known from a first pass over the samples (so bins never need merging, unlike
 * onnxruntime's growing histograms); symmetric ranges histogram |x| over [0, max|x|].
 * Thresholds as onnxruntime's compute_percentile: asymmetric cuts (100 − p)/2 % off each side,
 * symmetric takes ±the p-th percentile of |x|; each clamped to the seen range.
 */
export class PercentileCollector {
  private readonly hists = new Map<string, Float64Array>();

  constructor(
    private readonly full: ReadonlyMap<string, TensorRange>,
    private readonly symmetric: boolean,
    private readonly bins = PERCENTILE_BINS,
  ) {}

  private span(name: string): [number, number] {
    const r = this.full.get(name)!;
    return this.symmetric ? [0, Math.max(Math.abs(r.min), Math.abs(r.max))] : [r.min, r.max];
  }

  /** Takes one sample's values of `name` (whose full range the constructor was given). */
  add(name: string, values: ArrayLike<number>): void {
    if (!this.full.has(name)) return;
    const [lo, hi] = this.span(name);
    let h = this.hists.get(name);
    if (!h) this.hists.set(name, (h = new Float64Array(this.bins)));
    const width = (hi - lo) / this.bins;
    for (let i = 0; i < values.length; i++) {
      const v = this.symmetric ? Math.abs(values[i]!) : values[i]!;
      if (!(v >= lo && v <= hi)) continue;
      // The last bin holds its right edge (numpy.histogram).
      h[width > 0 ? Math.min(this.bins - 1, Math.floor((v - lo) / width)) : 0]! += 1;
    }
  }

  /** The ranges at percentile `p` (in (0, 100]). */
  result(p = DEFAULT_PERCENTILE): Map<string, TensorRange> {
    const out = new Map<string, TensorRange>();
    for (const [name, h] of this.hists) {
      const full = this.full.get(name)!;
      const [lo, hi] = this.span(name);
      const width = (hi - lo) / this.bins;
      const edge = (i: number) => lo + i * width;
      const total = h.reduce((a, b) => a + b, 0);
      if (!total) continue;
      let t: [number, number];
      if (this.symmetric) {
        const r = edge(searchCdf(h, total, p / 100));
        t = [-r, r];
      } else {
        const cut = (100 - p) / 200;
        t = [edge(searchCdf(h, total, cut)), edge(searchCdf(h, total, 1 - cut))];
      }
      out.set(name, { min: Math.max(t[0], full.min), max: Math.min(t[1], full.max) });
    }
    return out;
  }
}
