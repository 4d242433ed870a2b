import type { TensorRange } from './static-options.js';

/** Calibration methods. */
export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/**
 * MinMax calibration as onnxruntime's MinMaxCalibrater (without moving average): each tensor's
 * range is the smallest minimum and the largest maximum seen over all samples. NaN is skipped.
 */
export class MinMaxCollector {
  private readonly ranges = new Map<string, TensorRange>();

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
    const r = this.ranges.get(name);
    this.ranges.set(name, r ? { min: Math.min(r.min, lo), max: Math.max(r.max, hi) } : { min: lo, max: hi });
  }

  /** The ranges so far, by tensor name. */
  result(): Map<string, TensorRange> {
    return new Map(this.ranges);
  }
}
