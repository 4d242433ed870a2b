import type { NumericTensorValues } from '../../shared/onnx/tensor-values.js';

/** Equal-width bins between the smallest and largest finite value. */
export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

const CHUNK = 8192;

// Values are read through a reused Float64Array chunk, as in value-stats: one array type in the
// hot loops keeps them monomorphic.
function forEachChunk(values: NumericTensorValues, fn: (chunk: Float64Array) => void): void {
  const chunk = new Float64Array(Math.min(values.length, CHUNK));
  for (let start = 0; start < values.length; start += CHUNK) {
    const end = Math.min(values.length, start + CHUNK);
    const part = end - start === chunk.length ? chunk : chunk.subarray(0, end - start);
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      for (let i = start; i < end; i++) part[i - start] = Number(values[i]!);
    } else {
      part.set(values.subarray(start, end));
    }
    fn(part);
  }
}

/**
 * A histogram of the finite values in `bins` equal-width bins (NaN and ±Infinity are left out;
 * the statistics count them). Null when no value is finite. When all finite values are equal,
 * they all fall in the middle bin.
 */
export function histogramOf(values: NumericTensorValues, bins = 64, knownMin?: number, knownMax?: number): Histogram | null {
  let min = knownMin ?? NaN;
  let max = knownMax ?? NaN;
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = Infinity;
    max = -Infinity;
    forEachChunk(values, (c) => {
      for (let i = 0; i < c.length; i++) {
        const x = c[i]!;
        if (x - x !== 0) continue; // NaN or ±Infinity
        if (x < min) min = x;
        if (x > max) max = x;
      }
    });
    if (min > max) return null;
  }
  const counts = new Array<number>(bins).fill(0);
  if (min === max) {
    let n = 0;
    forEachChunk(values, (c) => {
      for (let i = 0; i < c.length; i++) if (c[i] === min) n++;
    });
    counts[bins >> 1] = n;
    return { min, max, counts };
  }
  const scale = bins / (max - min);
  const last = bins - 1;
  forEachChunk(values, (c) => {
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      if (x - x !== 0) continue;
      const b = Math.floor((x - min) * scale);
      counts[b > last ? last : b]!++;
    }
  });
  return { min, max, counts };
}
