// Unstructured magnitude pruning (the smallest |w| set to zero, per layer or under one global
// threshold) and 2:4 semi-structured pruning (in every 4 consecutive weights along the reduction
// axis, the 2 smallest zeroed). The tensors keep their shapes: only zeros are written.

import { stridesOf } from './weights.js';

/** The k-th smallest |x| (0-based) of `values`; the threshold that keeps the largest. */
export function magnitudeAt(values: ArrayLike<number>, k: number): number {
  const a = Float32Array.from(values, Math.abs).sort();
  return a[Math.min(Math.max(k, 0), a.length - 1)]!;
}

/** Zeroes exactly round(sparsity·n) of the smallest |w| in place (ties broken by position); returns how many are zero now. */
export function pruneToSparsity(values: Float32Array, sparsity: number): number {
  const n = values.length;
  const k = Math.round(sparsity * n);
  if (k > 0) {
    const order = [...Array(n).keys()].sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
    for (let i = 0; i < k; i++) values[order[i]!] = 0;
  }
  return countZeros(values);
}

/** Zeroes every |w| below `threshold` in place; returns how many are zero now. */
export function pruneBelow(values: Float32Array, threshold: number): number {
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]!) < threshold) values[i] = 0;
  return countZeros(values);
}

export function countZeros(values: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) z++;
  return z;
}

/**
 * The global threshold: the |w| below which `sparsity` of all the weights of `layers` lie
 * (pruneBelow then zeroes them; ties at the threshold stay).
 */
export function globalThreshold(layers: readonly ArrayLike<number>[], sparsity: number): number {
  const total = layers.reduce((a, l) => a + l.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const l of layers) for (let i = 0; i < l.length; i++) all[o++] = Math.abs(l[i]!);
  all.sort();
  const k = Math.round(sparsity * total);
  return k >= total ? Infinity : k <= 0 ? 0 : all[k]!;
}

/**
 * 2:4 pruning in place along `axis` of a tensor of `dims`: in each run of 4 consecutive indices
 * of that axis (for fixed other indices), the 2 smallest |w| become zero. The axis length must be
 * a multiple of 4 (the caller checks). Returns how many are zero now.
 */
export function prune2of4(values: Float32Array, dims: readonly number[], axis: number): number {
  const strides = stridesOf(dims);
  const step = strides[axis]!;
  const n = dims[axis]!;
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    for (let inner = 0; inner < step; inner++) {
      for (let g = 0; g < n; g += 4) {
        const idx = [0, 1, 2, 3].map((j) => o * n * step + (g + j) * step + inner);
        idx.sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
        values[idx[0]!] = 0;
        values[idx[1]!] = 0;
      }
    }
  }
  return countZeros(values);
}
