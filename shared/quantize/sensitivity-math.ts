// The error figures of a sensitivity report, accumulated over samples: SQNR over every sample's
// elements together (one ratio of sums, not a mean of per-sample ratios, so that a sample with
// tiny activations does not dominate), cosine and the largest absolute error.

import { cosineOf } from '../verify/compare.js';

/** 10·log10(signal / noise) in dB; Infinity when there is no noise, -Infinity when there is noise and no signal. */
export function sqnrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Σx², Σ(x−y)², Σxy, Σy² and max |x−y| of a float tensor (x) and its quantized counterpart (y). */
export class ErrorAccumulator {
  private signal = 0;
  private noise = 0;
  private dot = 0;
  private yy = 0;
  private maxAbs = 0;
  /** Elements skipped for being NaN or infinite in either tensor. */
  nonFinite = 0;
  elements = 0;

  /** Adds one sample; `x` and `y` must have the same length (the caller checks shapes). */
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    for (let i = 0; i < x.length; i++) {
      const a = x[i]!;
      const b = y[i]!;
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        this.nonFinite++;
        continue;
      }
      const d = a - b;
      this.signal += a * a;
      this.noise += d * d;
      this.dot += a * b;
      this.yy += b * b;
      const ad = Math.abs(d);
      if (ad > this.maxAbs) this.maxAbs = ad;
    }
    this.elements += x.length;
  }

  result(): { sqnrDb: number; cosine: number; maxAbsError: number } {
    return { sqnrDb: sqnrDb(this.signal, this.noise), cosine: cosineOf(this.dot, this.signal, this.yy), maxAbsError: this.maxAbs };
  }
}

/** Worst first: lowest SQNR, then lowest cosine (equal outputs, Infinity, last). */
export function worstFirst<T extends { sqnrDb: number; cosine: number }>(a: T, b: T): number {
  if (a.sqnrDb !== b.sqnrDb) return a.sqnrDb < b.sqnrDb ? -1 : 1;
  return a.cosine - b.cosine;
}
