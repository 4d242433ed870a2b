// Statistics of tensor values for the UI (min/max/mean/std/sparsity), in one pass.

import { LITTLE_ENDIAN, type NumericTensorValues } from './tensor-values.js';

// ---------------------------------------------------------------------------------------------
// Statistics

/** Statistics of numeric values; NaN is counted, not averaged. */
export interface ValueSummary {
  /** Number of entries (complex: re and im counted separately). */
  count: number;
  /** Over non-NaN entries; NaN when there are none. ±Inf takes part (and makes mean/std non-finite). */
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n). */
  std: number;
  zeros: number;
  nanCount: number;
  /** The first `maxFirst` entries as numbers (64-bit integers beyond 2^53 are rounded). */
  first: number[];
}

interface Acc {
  min: number;
  max: number;
  shift: number;
  sum: number;
  sumSq: number;
  zeros: number;
  nan: number;
}

const CHUNK = 8192;

// Sums are taken around `shift` (the first finite value) so that a large common offset does not
// cancel away the variance. Only ever called with Float64Array: one array type keeps the loop
// monomorphic, which matters more than the copy (a mixed-type call site runs ~8x slower).
function accumulate(a: Float64Array, acc: Acc): void {
  const shift = acc.shift;
  let { min, max, sum, sumSq, zeros, nan } = acc;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const d = x - shift; // NaN only when x is NaN, as shift is finite
    if (d !== d) {
      nan++;
      continue;
    }
    min = x < min ? x : min;
    max = x > max ? x : max;
    if (x === 0) zeros++;
    sum += d;
    sumSq += d * d;
  }
  acc.min = min;
  acc.max = max;
  acc.sum = sum;
  acc.sumSq = sumSq;
  acc.zeros = zeros;
  acc.nan = nan;
}

// Other numeric arrays go through a reused Float64Array chunk (TypedArray.set converts natively).
function accumulateChunked(a: Exclude<NumericTensorValues, Float64Array | BigInt64Array | BigUint64Array>, acc: Acc): void {
  const chunk = new Float64Array(Math.min(a.length, CHUNK));
  for (let start = 0; start < a.length; start += CHUNK) {
    const end = Math.min(a.length, start + CHUNK);
    chunk.set(a.subarray(start, end));
    accumulate(end - start === chunk.length ? chunk : chunk.subarray(0, end - start), acc);
  }
}

// 64-bit integers read as two 32-bit halves: no BigInt per element.
function accumulate64(a: BigInt64Array | BigUint64Array, acc: Acc): void {
  const signed = a instanceof BigInt64Array;
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const s = new Int32Array(a.buffer, a.byteOffset, a.length * 2);
  const lo = LITTLE_ENDIAN ? 0 : 1;
  const hi = 1 - lo;
  const chunk = new Float64Array(Math.min(a.length, CHUNK));
  for (let start = 0; start < a.length; start += CHUNK) {
    const end = Math.min(a.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      const h = signed ? s[2 * i + hi]! : u[2 * i + hi]!;
      chunk[i - start] = h * 4294967296 + u[2 * i + lo]!;
    }
    accumulate(end - start === chunk.length ? chunk : chunk.subarray(0, end - start), acc);
  }
}

/** min/max/mean/std/zeros/NaN count and the first values, in one pass over numeric tensor values. */
export function summarizeValues(values: NumericTensorValues, maxFirst = 16): ValueSummary {
  let shift = 0;
  for (let i = 0; i < values.length; i++) {
    const x = Number(values[i]!);
    if (Number.isFinite(x)) {
      shift = x;
      break;
    }
  }
  const acc: Acc = { min: Infinity, max: -Infinity, shift, sum: 0, sumSq: 0, zeros: 0, nan: 0 };
  if (values instanceof Float64Array) accumulate(values, acc);
  else if (values instanceof BigInt64Array || values instanceof BigUint64Array) accumulate64(values, acc);
  else accumulateChunked(values, acc);
  const first: number[] = [];
  for (let i = 0; i < Math.min(maxFirst, values.length); i++) first.push(Number(values[i]!));
  const n = values.length - acc.nan;
  const meanD = n ? acc.sum / n : NaN;
  return {
    count: values.length,
    min: n ? acc.min : NaN,
    max: n ? acc.max : NaN,
    mean: shift + meanD,
    std: Math.sqrt(Math.max(0, acc.sumSq / n - meanD * meanD)),
    zeros: acc.zeros,
    nanCount: acc.nan,
    first,
  };
}
