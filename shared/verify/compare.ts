// Comparing one output of the transformed model with the original's: error statistics for the
// report, and the pass/fail decision of a tolerance level (rules in tolerance.ts).

import { ElemType, elemTypeName, isComplexType, isFloatType } from '../onnx/element-types.js';
import type { NumericTensorValues } from '../onnx/tensor-values.js';
import type { TensorData } from './tensor-data.js';
import type { Tolerance } from './tolerance.js';

/** Statistics of one comparison; the numbers are null where they mean nothing (strings, shape or type mismatch). */
export interface TensorComparison {
  maxAbsError: number | null;
  /** |actual - expected| / max(|expected|, REL_ERROR_FLOOR); integers use a floor of 1. */
  maxRelError: number | null;
  /** Over elements finite in both; 1 when both are all zero, 0 when only one is. */
  cosine: number | null;
  /** Elements outside the bound (integers: unequal), NaN/Inf misplacements included; all of them on a shape or type mismatch. */
  mismatches: number;
  elementCount: number;
  passed: boolean;
  /** Why it failed, one line. */
  reason?: string;
}

/**
 * Expected magnitudes below this count as this much in relative errors, so that an exact zero
 * with a tiny error does not report an infinite or meaningless relative error.
 */
export const REL_ERROR_FLOOR = 1e-6;

function fmt(x: number | bigint | string): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'bigint' || !Number.isFinite(x) || x === 0 || (Number.isInteger(x) && Math.abs(x) < 1e9)) return String(x);
  const v = Number(x.toPrecision(7));
  // Exponents for tiny and huge values: '1e-6' reads better than '0.000001'.
  return Math.abs(v) < 1e-4 || Math.abs(v) >= 1e9 ? v.toExponential() : String(v);
}

function countOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function failed(elementCount: number, reason: string): TensorComparison {
  return { maxAbsError: null, maxRelError: null, cosine: null, mismatches: elementCount, elementCount, passed: false, reason };
}

/** Cosine from the sums Σxy, Σx², Σy²: 1 when both vectors are zero, 0 when only one is. */
export function cosineOf(dot: number, ee: number, aa: number): number {
  if (ee === 0 && aa === 0) return 1;
  if (ee === 0 || aa === 0) return 0;
  // sqrt of the product, not a product of roots: equal vectors then give exactly 1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(ee * aa)));
}

function allowedMismatches(n: number, t: Tolerance): number {
  return Math.floor(t.maxMismatchFraction * n);
}

function compareFloats(e: ArrayLike<number>, a: ArrayLike<number>, t: Tolerance): TensorComparison {
  const n = e.length;
  // First pass: magnitudes, for the range term and to scale the cosine sums away from overflow.
  let maxE = 0;
  let maxA = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(e[i]!);
    const y = Math.abs(a[i]!);
    if (x > maxE && x !== Infinity) maxE = x;
    if (y > maxA && y !== Infinity) maxA = y;
  }
  const slack = t.atol + t.atolOfRange * maxE;
  const scale = Math.max(maxE, maxA) || 1;
  let maxAbs = 0;
  let maxRel = 0;
  let dot = 0;
  let ee = 0;
  let aa = 0;
  let outside = 0;
  let worst = -1;
  let nonFinite = 0;
  let firstNonFinite = -1;
  for (let i = 0; i < n; i++) {
    const x = e[i]!;
    const y = a[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      // NaN matches NaN (NaN !== NaN, hence the explicit test); infinities must be the same one.
      const same = Number.isNaN(x) ? Number.isNaN(y) : x === y;
      if (!same) {
        nonFinite++;
        if (firstNonFinite < 0) firstNonFinite = i;
      }
      continue;
    }
    const d = Math.abs(y - x);
    if (d > maxAbs) maxAbs = d;
    const rel = d / Math.max(Math.abs(x), REL_ERROR_FLOOR);
    if (rel > maxRel) maxRel = rel;
    const xs = x / scale;
    const ys = y / scale;
    dot += xs * ys;
    ee += xs * xs;
    aa += ys * ys;
    if (d > slack + t.rtol * Math.abs(x)) {
      outside++;
      if (worst < 0 || d > Math.abs(a[worst]! - e[worst]!)) worst = i;
    }
  }
  const cosine = cosineOf(dot, ee, aa);
  const r: TensorComparison = { maxAbsError: maxAbs, maxRelError: maxRel, cosine, mismatches: outside + nonFinite, elementCount: n, passed: true };
  if (nonFinite > 0) {
    r.reason = `NaN or Inf in different places at ${nonFinite} of ${n} elements (first at index ${firstNonFinite}: expected ${fmt(e[firstNonFinite]!)}, got ${fmt(a[firstNonFinite]!)})`;
  } else if (outside > allowedMismatches(n, t)) {
    const bound = `${fmt(t.atol)}${t.atolOfRange ? ` + ${fmt(t.atolOfRange)}·${fmt(maxE)}` : ''} + ${fmt(t.rtol)}·|expected|`;
    r.reason = `${outside} of ${n} elements differ by more than ${bound} (worst at index ${worst}: expected ${fmt(e[worst]!)}, got ${fmt(a[worst]!)})`;
  } else if (t.minCosine !== null && maxE > slack && cosine < t.minCosine) {
    // Skipped when the whole expected output lies within the absolute slack: its direction is noise.
    r.reason = `cosine similarity ${fmt(cosine)} is below ${fmt(t.minCosine)}`;
  }
  r.passed = r.reason === undefined;
  return r;
}

function compareIntegers(e: ArrayLike<number | bigint>, a: ArrayLike<number | bigint>, t: Tolerance): TensorComparison {
  const n = e.length;
  let maxAbs = 0;
  let maxRel = 0;
  let dot = 0;
  let ee = 0;
  let aa = 0;
  let differ = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const x = e[i]!;
    const y = a[i]!;
    const xn = Number(x);
    const yn = Number(y);
    dot += xn * yn;
    ee += xn * xn;
    aa += yn * yn;
    if (x === y) continue;
    differ++;
    if (first < 0) first = i;
    const d = typeof x === 'bigint' ? Math.abs(Number((y as bigint) - x)) : Math.abs(yn - xn);
    if (d > maxAbs) maxAbs = d;
    const rel = d / Math.max(Math.abs(xn), 1);
    if (rel > maxRel) maxRel = rel;
  }
  const r: TensorComparison = { maxAbsError: maxAbs, maxRelError: maxRel, cosine: cosineOf(dot, ee, aa), mismatches: differ, elementCount: n, passed: true };
  if (differ > allowedMismatches(n, t)) {
    r.passed = false;
    r.reason = `${differ} of ${n} elements differ (first at index ${first}: expected ${fmt(e[first]!)}, got ${fmt(a[first]!)})`;
  }
  return r;
}

function compareStrings(e: readonly string[], a: readonly string[], t: Tolerance): TensorComparison {
  let differ = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === a[i]) continue;
    differ++;
    if (first < 0) first = i;
  }
  const r: TensorComparison = { maxAbsError: null, maxRelError: null, cosine: null, mismatches: differ, elementCount: e.length, passed: true };
  if (differ > allowedMismatches(e.length, t)) {
    r.passed = false;
    r.reason = `${differ} of ${e.length} strings differ (first at index ${first}: expected ${fmt(e[first]!)}, got ${fmt(a[first]!)})`;
  }
  return r;
}

/**
 * Compares `actual` with `expected` under `tolerance`: a different element type or shape fails;
 * floats within the level's bounds (NaN matches NaN, Inf the same Inf); integers, bool and strings exactly.
 */
export function compareTensors(expected: TensorData, actual: TensorData, tolerance: Tolerance): TensorComparison {
  const n = countOf(expected.dims);
  if (expected.elemType !== actual.elemType) {
    return failed(n, `element type ${elemTypeName(actual.elemType)}, expected ${elemTypeName(expected.elemType)}`);
  }
  if (expected.dims.length !== actual.dims.length || expected.dims.some((d, i) => d !== actual.dims[i])) {
    return failed(n, `shape [${actual.dims.join(',')}], expected [${expected.dims.join(',')}]`);
  }
  const perElement = isComplexType(expected.elemType) ? 2 : 1;
  if (expected.values.length !== n * perElement || actual.values.length !== n * perElement) {
    return failed(n, `${actual.values.length} values for shape [${actual.dims.join(',')}], expected ${n * perElement}`);
  }
  if (expected.elemType === ElemType.STRING) return compareStrings(expected.values as readonly string[], actual.values as readonly string[], tolerance);
  const e = expected.values as NumericTensorValues;
  const a = actual.values as NumericTensorValues;
  if (isFloatType(expected.elemType) || isComplexType(expected.elemType)) {
    // Complex parts are compared as separate reals: counts then are of parts, which is close enough for a report.
    return compareFloats(e as ArrayLike<number>, a as ArrayLike<number>, tolerance);
  }
  return compareIntegers(e, a, tolerance);
}
