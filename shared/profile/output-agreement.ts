// How far B's outputs are from A's on the same inputs: compareTensors' error figures, and for
// classifier-like outputs whether both pick the same class.

import { isFloatType } from '../onnx/element-types.js';
import { compareTensors } from '../verify/compare.js';
import type { TensorData } from '../verify/tensor-data.js';
import type { Tolerance } from '../verify/tolerance.js';
import type { OutputAgreement } from './report-schema.js';

/** Rows and classes of a classifier-like output ([C], [N, C], [N, C, 1, 1]), or null. */
function classAxis(dims: readonly number[]): { rows: number; classes: number } | null {
  const big = dims.filter((d) => d !== 1);
  if (big.length === 0 || big.length > 2) return null;
  const classes = big[big.length - 1]!;
  if (classes < 2) return null;
  // The class axis must be the last non-1 axis, and the rows the axes before it.
  const last = dims.lastIndexOf(classes);
  if (dims.slice(last + 1).some((d) => d !== 1)) return null;
  return { rows: big.length === 2 ? big[0]! : 1, classes };
}

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (v[i]! > v[best]!) best = i;
  return best - from;
}

// Whether class `c` is among the k highest of the row (ties counted against it, so a flat row never agrees by luck).
function inTopK(v: ArrayLike<number>, from: number, n: number, c: number, k: number): boolean {
  const x = v[from + c]!;
  let above = 0;
  for (let i = from; i < from + n; i++) if (i !== from + c && v[i]! >= x) above++;
  return above < k;
}

/**
 * Fraction of rows where A's top class is among B's k highest, for float outputs shaped like
 * class scores with more than k classes (k = 1: the argmaxes agree); else null.
 */
export function topKAgreement(a: TensorData, b: TensorData, k: number): number | null {
  if (!isFloatType(a.elemType) || a.elemType !== b.elemType || a.dims.join() !== b.dims.join()) return null;
  const axis = classAxis(a.dims);
  if (!axis || axis.classes <= k && k > 1) return null;
  const va = a.values as ArrayLike<number>;
  const vb = b.values as ArrayLike<number>;
  let same = 0;
  for (let r = 0; r < axis.rows; r++) {
    const from = r * axis.classes;
    const top = argmax(va, from, axis.classes);
    if (k === 1 ? argmax(vb, from, axis.classes) === top : inTopK(vb, from, axis.classes, top, k)) same++;
  }
  return same / axis.rows;
}

/** Fraction of rows whose argmax agrees, for float outputs shaped like class scores; else null. */
export function top1Agreement(a: TensorData, b: TensorData): number | null {
  return topKAgreement(a, b, 1);
}

/** Agreement of one output (A's value is the reference). */
export function outputAgreement(name: string, a: TensorData, b: TensorData, tolerance: Tolerance): OutputAgreement {
  const c = compareTensors(a, b, tolerance);
  const out: OutputAgreement = { name, maxAbsError: c.maxAbsError, cosine: c.cosine, top1Agreement: top1Agreement(a, b), top5Agreement: topKAgreement(a, b, 5) };
  if (c.reason && (c.maxAbsError === null || c.cosine === null)) out.reason = c.reason;
  return out;
}
