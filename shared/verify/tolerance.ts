// Named tolerance levels for comparing a transformed model's outputs with the original's. Each
// kind of transformation changes float math in its own way; the level says how much.
//
// An element passes when |actual - expected| <= atol + atolOfRange * max|expected| + rtol * |expected|
// (numpy.isclose, plus a term that scales with the whole output). Integer, bool and string
// elements must be equal. A level may also require a cosine similarity (float outputs only) and
// may let a fraction of elements miss; NaN/Inf in different places always fails.

import { WorkbenchError } from '../errors.js';

export type ToleranceName = 'exact' | 'folding' | 'reassociation' | 'fp16' | 'bf16' | 'int8' | 'float16-rounding' | 'bfloat16-rounding';

/** How a pass changes float math (Pass.numerics); each names the level of the same name. */
export type PassNumerics = 'exact' | 'folding' | 'reassociation';

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
  /** Why this level applies here (which passes, which precision), one line; set by whoever chose it. */
  reason?: string;
}

/** Units in the last place a value computed in float16/bfloat16 may move by (see roundingLevel). */
export const ROUNDING_ULPS = 8;

// float16 keeps 11 significant bits, so one ulp is 2^-10 (9.8e-4) of a value in [1, 2) and a value
// rounded to float16 moves by at most half of that. onnxruntime's CPU provider computes most
// float16 ops in float32 and rounds to float16 only where a value must exist in float16 (read by
// a float16 kernel such as Concat or Transpose, by Shape, by a Cast, or a graph output; see its
// InsertCastTransformer): a rewrite that changes who reads a value changes where the rounding
// happens. Measured on builder-made models (test/verify/precision-tolerances.test.ts): up to
// 1.2e-3 (about one ulp, 4x an element near zero) where the output itself is rounded. The output then differs by
// its own rounding landing on the neighbouring float16 (1 ulp) plus the half-ulp roundings of
// values on its path, carried forward by the layers after them in proportion to the magnitudes
// summed (so relative to the output's range too, not only to each element: near-zero elements
// err as much as large ones). 8 ulps allow a few such roundings, each amplified a little; the
// issue's U²-Net moved sigmoid maps in [0, 1] by up to 4e-3, about 4 ulps. The cosine bound
// (1 - cos ≈ |err|²/2|x|²) allows an error norm of 4 ulps of the output's norm, half the
// elementwise allowance: roundings move elements by different amounts with either sign (the
// U²-Net's error norm was 0.2 ulps), while an output off by the full allowance everywhere, or
// shifted as a whole under the range slack, is wrong. bfloat16 keeps 8 bits: the same count of
// its (8x larger) ulps.
function roundingLevel(name: string, significandBits: number): Tolerance {
  const ulp = 2 ** (1 - significandBits);
  return { name, atol: 1e-6, rtol: ROUNDING_ULPS * ulp, atolOfRange: ROUNDING_ULPS * ulp, minCosine: 1 - ((ROUNDING_ULPS / 2) * ulp) ** 2 / 2, maxMismatchFraction: 0 };
}

// float32's machine epsilon is 1.19e-7; the levels below are stated in its terms where they can be.
export const TOLERANCES: Readonly<Record<ToleranceName, Readonly<Tolerance>>> = {
  // Cleanup (dead code, identities, merged twins, shapes made constant) does the same float
  // operations in the same order: float32 outputs are bit-identical in practice, and the slack
  // (~8 float32 ulps near 1) is all there is. The elementwise bound is far tighter than any useful
  // cosine threshold, so none is set.
  exact: { name: 'exact', atol: 1e-6, rtol: 1e-6, atolOfRange: 0, minCosine: null, maxMismatchFraction: 0 },
  // Constant folding computes the same values, yet onnxruntime multiplies by a constant matrix
  // (MatMul, Gemm) from a copy MLAS prepacks at load, with K and N strides chosen then, while a
  // computed matrix is packed per call with strides sized to each thread's share of N (and a
  // single row of A takes a kernel with no K blocks at all): the dot products are summed in
  // other groupings. Measured with builder-made models (a Transpose-fed MatMul, K 256 to
  // 16384, one and two threads): up to 6 float32 eps (2^-23) of the output's range, error norm
  // ~3e-7 of the output's; a 24-layer MatMul/LayerNorm stack ended within 4 eps of its logits'
  // range (1 - cos ≈ 1e-13, as the 15,000-node transformer). 16 eps of the range leave
  // room for deeper stacks while any real change of a weight shows far above it; elementwise
  // slack is otherwise that of `exact`.
  folding: { name: 'folding', atol: 1e-6, rtol: 1e-6, atolOfRange: 16 * 2 ** -23, minCosine: null, maxMismatchFraction: 0 },
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
  // bfloat16 keeps 8 significant bits (unit roundoff 3.9e-3, 8x float16's) with float32's range:
  // the same dozen layers of roundoffs scale the elementwise bounds by 8 (capped at 10% of the
  // range); cosine 0.99: an error norm under ~14% of the output's.
  bf16: { name: 'bf16', atol: 8e-3, rtol: 8e-2, atolOfRange: 8e-2, minCosine: 0.99, maxMismatchFraction: 0 },
  // int8 quantization rounds every quantized tensor to 1/255 of its range, and errors compound
  // layer to layer; elementwise bounds mean little, the shape of the output does. cosine 0.99 (error
  // norm under ~14%) is the usual acceptance bar for int8 models; 1% of elements (or of integer
  // outputs, such as an argmax) may stray beyond 10% of the range, as rounding flips near ties.
  int8: { name: 'int8', atol: 0, rtol: 0.1, atolOfRange: 0.1, minCosine: 0.99, maxMismatchFraction: 0.01 },
  // The same float16/bfloat16 graph run twice, rounded in other places (see roundingLevel): far
  // tighter than `fp16`, which is for converting float32 models to float16.
  'float16-rounding': roundingLevel('float16-rounding', 11),
  'bfloat16-rounding': roundingLevel('bfloat16-rounding', 8),
};

export const TOLERANCE_NAMES = Object.keys(TOLERANCES) as ToleranceName[];

function checkField(name: string, value: unknown, max = Infinity): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= max)) {
    throw new WorkbenchError('BAD_OPTION', `tolerance ${name}: ${String(value)} is not a number in [0, ${max}]`);
  }
}

/**
 * Field by field the looser of two tolerances: what passes either passes this. Named and
 * reasoned after both (where they differ).
 */
export function looserOf(a: Tolerance, b: Tolerance): Tolerance {
  const cosines = [a.minCosine, b.minCosine].filter((c): c is number => c !== null);
  const t: Tolerance = {
    name: a.name === b.name ? a.name : `${a.name}+${b.name}`,
    atol: Math.max(a.atol, b.atol),
    rtol: Math.max(a.rtol, b.rtol),
    atolOfRange: Math.max(a.atolOfRange, b.atolOfRange),
    // A bound only one of them sets still holds: the other level did not ask for any.
    minCosine: cosines.length ? Math.min(...cosines) : null,
    maxMismatchFraction: Math.max(a.maxMismatchFraction, b.maxMismatchFraction),
  };
  const reasons = [...new Set([a.reason, b.reason].filter((r): r is string => !!r))];
  if (reasons.length) t.reason = reasons.join('; ');
  return t;
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
