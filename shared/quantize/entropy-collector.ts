import type { TensorRange } from './static-options.js';

/** Histogram bins for entropy calibration (onnxruntime's default, 128, would leave one candidate: the full range). */
export const ENTROPY_BINS = 2048;
/** Bins the 8-bit grid is modelled with (onnxruntime's num_quantized_bins). */
export const ENTROPY_QUANTIZED_BINS = 128;

// onnxruntime's smooth_distribution: zeros become eps, taken evenly from the nonzero bins.
function smooth(p: Float64Array, eps = 0.0001): Float64Array | undefined {
  const zeros = p.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
  const nonzeros = p.length - zeros;
  if (!nonzeros) return undefined;
  const eps1 = (eps * zeros) / nonzeros;
  return p.map((v) => (v === 0 ? eps : v - eps1));
}

// scipy.stats.entropy(p, q): KL divergence of the normalized distributions.
function kl(p: Float64Array, q: Float64Array): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    if (a > 0) d += a * Math.log(a / (q[i]! / sq));
  }
  return d;
}

/**
 * The threshold pair that minimizes the KL divergence between a histogram and its 8-bit
 * quantization (onnxruntime's get_entropy_threshold): candidates are symmetric windows of
 * 2i bins around the middle, outliers added to the edge bins, merged into `quantizedBins` and
 * expanded back over the nonzero bins (averages truncated to integers, as onnxruntime's int64
 * array does). Returns the window's edges.
 */
export function entropyThreshold(hist: ArrayLike<number>, edges: ArrayLike<number>, quantizedBins: number): [number, number] {
  const bins = hist.length;
  const zero = Math.floor(bins / 2);
  const half = Math.floor(quantizedBins / 2);
  let best = Infinity;
  let threshold: [number, number] = [edges[0]!, edges[bins]!];
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(zero + i + 1, bins);
    const slice = Float64Array.from({ length: end - start }, (_, k) => hist[start + k]!);
    const p = slice.slice();
    for (let k = 0; k < start; k++) p[0]! += hist[k]!;
    for (let k = end; k < bins; k++) p[p.length - 1]! += hist[k]!;
    const merged = Math.floor(slice.length / quantizedBins);
    const quantized = new Float64Array(quantizedBins);
    for (let b = 0; b < quantizedBins; b++) for (let k = b * merged; k < (b + 1) * merged; k++) quantized[b]! += slice[k]!;
    for (let k = quantizedBins * merged; k < slice.length; k++) quantized[quantizedBins - 1]! += slice[k]!;
    const q = new Float64Array(p.length);
    for (let b = 0; b < quantizedBins; b++) {
      let norm = 0;
      for (let k = b * merged; k < (b + 1) * merged; k++) norm += p[k] !== 0 ? 1 : 0;
      if (norm) for (let k = b * merged; k < (b + 1) * merged; k++) q[k] = Math.trunc(quantized[b]! / norm);
    }
    const ps = smooth(p);
    const qs = smooth(q);
    const d = ps && qs ? kl(ps, qs) : Infinity;
    if (d < best) {
      best = d;
      threshold = [edges[start]!, edges[end]!];
    }
  }
  return threshold;
}

/**
 * Entropy calibration: per tensor, a histogram over ±max|x| (from a first MinMax pass) and the
 * KL-optimal threshold over it, clamped to the seen range.
 */
export class EntropyCollector {
  private readonly hists = new Map<string, Float64Array>();

  constructor(
    private readonly full: ReadonlyMap<string, TensorRange>,
    private readonly bins = ENTROPY_BINS,
    private readonly quantizedBins = ENTROPY_QUANTIZED_BINS,
  ) {}

  private bound(name: string): number {
    const r = this.full.get(name)!;
    return Math.max(Math.abs(r.min), Math.abs(r.max));
  }

  /** Takes one sample's values of `name`. */
  add(name: string, values: ArrayLike<number>): void {
    if (!this.full.has(name)) return;
    const a = this.bound(name);
    let h = this.hists.get(name);
    if (!h) this.hists.set(name, (h = new Float64Array(this.bins)));
    const width = (2 * a) / this.bins;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= -a && v <= a)) continue;
      h[width > 0 ? Math.min(this.bins - 1, Math.floor((v + a) / width)) : 0]! += 1;
    }
  }

  /** The KL-optimal range of every tensor seen. */
  result(): Map<string, TensorRange> {
    const out = new Map<string, TensorRange>();
    for (const [name, h] of this.hists) {
      const a = this.bound(name);
      const full = this.full.get(name)!;
      if (!(a > 0)) {
        out.set(name, { ...full });
        continue;
      }
      const edges = Float64Array.from({ length: this.bins + 1 }, (_, i) => -a + (2 * a * i) / this.bins);
      const [lo, hi] = entropyThreshold(h, edges, this.quantizedBins);
      out.set(name, { min: Math.max(lo, full.min), max: Math.min(hi, full.max) });
    }
    return out;
  }
}
