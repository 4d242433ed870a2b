import type { TensorRange } from './static-options.js';

/** Calibration methods. */
export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/** onnxruntime's default CalibMovingAverageConstant. */
export const DEFAULT_AVERAGING_CONSTANT = 0.01;

/**
 * MinMax with a moving average, as onnxruntime's MinMaxCalibrater(moving_average=True): within a
 * stride of samples (all of them, unless `stride` splits them as CalibStridedMinMax does) the
 * range is the mean of the samples' minima and of their maxima; each later stride moves the range
 * by `averagingConstant` of the way to its own: old + c · (new − old).
 */
export interface MovingAverageOptions {
  averagingConstant: number;
  /** Samples per stride; absent: one stride of every sample. */
  stride?: number;
  /** Each stride's range made ±max|·| before merging (as onnxruntime does with symmetric activations). */
  symmetric?: boolean;
}

/**
 * MinMax calibration as onnxruntime's MinMaxCalibrater: each tensor's range is the smallest
 * minimum and the largest maximum seen over all samples, or with `average` the moving average
 * described above. NaN is skipped.
 */
export class MinMaxCollector {
  private readonly ranges = new Map<string, TensorRange>();
  /** Per-sample minima and maxima of the stride in progress (moving average only). */
  private readonly pending = new Map<string, { mins: number[]; maxs: number[] }>();

  constructor(private readonly average?: MovingAverageOptions) {}

  /** Takes one sample's values of `name`. */
  add(name: string, values: ArrayLike<number>): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return;
    if (this.average) {
      let p = this.pending.get(name);
      if (!p) this.pending.set(name, (p = { mins: [], maxs: [] }));
      p.mins.push(lo);
      p.maxs.push(hi);
      return;
    }
    const r = this.ranges.get(name);
    this.ranges.set(name, r ? { min: Math.min(r.min, lo), max: Math.max(r.max, hi) } : { min: lo, max: hi });
  }

  /** Ends a stride (moving average): its mean range is merged into the running one. */
  endStride(): void {
    const a = this.average;
    if (!a) return;
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    for (const [name, p] of this.pending) {
      let min = mean(p.mins);
      let max = mean(p.maxs);
      if (a.symmetric) {
        max = Math.max(Math.abs(min), Math.abs(max));
        min = -max;
      }
      const old = this.ranges.get(name);
      const c = a.averagingConstant;
      this.ranges.set(name, old ? { min: old.min + c * (min - old.min), max: old.max + c * (max - old.max) } : { min, max });
    }
    this.pending.clear();
  }

  /** The ranges so far, by tensor name (a stride in progress is ended first). */
  result(): Map<string, TensorRange> {
    this.endStride();
    return new Map(this.ranges);
  }
}
