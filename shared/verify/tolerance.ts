// Named tolerance levels for comparing a transformed model's outputs with the original's. Each
// kind of transformation changes float math in its own way; the level says how much.
//
// An element passes when |actual - expected| <= atol + atolOfRange * max|expected| + rtol * |expected|
// (numpy.isclose, plus a term that scales with the whole output). Integer, bool and string
// elements must be equal. A level may also require a cosine similarity (float outputs only) and
// may let a fraction of elements miss; NaN/Inf in different places always fails.

import { WorkbenchError } from '../errors.js';

export type ToleranceName = 'exact' | 'reassociation' | 'fp16' | 'int8';

export interface Tolerance {
  /** The level's name, or 'custom'. */
  name: string;
  atol: number;
  rtol: number;
  /** Absolute slack as a fraction of the expected output's largest |value|. */
  atolOfRange: number;
  /** Smallest cosine similarity a float output may have; null where not checked. */
  minCosine: number | null;
  /** Fraction of elements allowed outside the elementwise bound (integers: allowed to differ). */
  maxMismatchFraction: number;
}

// float32's machine epsilon is 1.19e-7; the levels below are stated in its terms where they can be.
export const TOLERANCES: Readonly<Record<ToleranceName, Readonly<Tolerance>>> = {
  // Cleanup (constant folding with onnxruntime's own kernels, dead code, identities) does the same
  // float operations, yet onnxruntime may pick another kernel path once a value becomes constant
  // (MatMul prepacks constant weights and blocks its sums differently): ~8 ulps of slack, no more.
  // The elementwise bound is far tighter than any useful cosine threshold, so none is set.
  exact: { name: 'exact', atol: 1e-6, rtol: 1e-6, atolOfRange: 0, minCosine: null, maxMismatchFraction: 0 },
  // Fusions reorder float math (BatchNorm folded into Conv weights, MatMul+Add into Gemm, LayerNorm
  // patterns into one kernel). A float32 dot product of K terms errs by about sqrt(K)·eps·Σ|terms|
  // typically (K·eps worst case): ~1e-5 relative at K = 4096. rtol 1e-3 is the ONNX backend tests'
  // own; atol 1e-4 covers sums that cancel to near zero. The cosine (1 - cos ≈ |err|²/2|x|², so
  // 0.99999 means an error norm under ~0.45% of the output's) catches an output of small values
  // that is wrong as a whole while every element hides under atol.
  reassociation: { name: 'reassociation', atol: 1e-4, rtol: 1e-3, atolOfRange: 0, minCosine: 0.99999, maxMismatchFraction: 0 },
  // float16 keeps 11 significant bits (unit roundoff 4.9e-4); each layer adds a few roundoffs, so
  // rtol 1e-2 (~20 roundoffs) allows about a dozen layers. Near-zero elements err in proportion to
  // the magnitudes summed into them, not to themselves: hence slack of 1% of the output's range.
  // cosine 0.999: an error norm under ~4.5% of the output's.
  fp16: { name: 'fp16', atol: 1e-3, rtol: 1e-2, atolOfRange: 1e-2, minCosine: 0.999, maxMismatchFraction: 0 },
  // int8 quantization rounds every quantized tensor to 1/255 of its range, and errors compound
  // layer to layer; elementwise bounds mean little, the shape of the output does. cosine 0.99 (error
  // norm under ~14%) is the usual acceptance bar for int8 models; 1% of elements (or of integer
  // outputs, such as an argmax) may stray beyond 10% of the range, as rounding flips near ties.
  int8: { name: 'int8', atol: 0, rtol: 0.1, atolOfRange: 0.1, minCosine: 0.99, maxMismatchFraction: 0.01 },
};

export const TOLERANCE_NAMES = Object.keys(TOLERANCES) as ToleranceName[];

function checkField(name: string, value: unknown, max = Infinity): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= max)) {
    throw new WorkbenchError('BAD_OPTION', `tolerance ${name}: ${String(value)} is not a number in [0, ${max}]`);
  }
}

/** A level by name, or a custom tolerance checked field by field; WorkbenchError 'BAD_OPTION' otherwise. */
export function resolveTolerance(t: ToleranceName | string | Tolerance): Tolerance {
  if (typeof t === 'string') {
    if (!Object.hasOwn(TOLERANCES, t)) throw new WorkbenchError('BAD_OPTION', `tolerance '${t}': expected one of ${TOLERANCE_NAMES.join(', ')}`);
    return { ...TOLERANCES[t as ToleranceName] };
  }
  checkField('atol', t.atol);
  checkField('rtol', t.rtol);
  checkField('atolOfRange', t.atolOfRange);
  checkField('maxMismatchFraction', t.maxMismatchFraction, 1);
  if (t.minCosine !== null) {
    if (typeof t.minCosine !== 'number' || !(t.minCosine >= -1 && t.minCosine <= 1)) {
      throw new WorkbenchError('BAD_OPTION', `tolerance minCosine: ${String(t.minCosine)} is not a number in [-1, 1]`);
    }
  }
  return { ...t, name: t.name || 'custom' };
}
