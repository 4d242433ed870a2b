// Quantization parameters as onnxruntime's quantizer computes them (onnxruntime/python/tools/
// quantization/quant_utils.py: get_qmin_qmax_for_qType, compute_scale_zp, quantize_nparray), so
// that a model quantized here carries the same scales and zero points as one quantized there.
// r = s·(q − z): a real value r is stored as the integer q.

/** The 8-bit integer types quantized tensors take. */
export type QuantType = 'uint8' | 'int8';

/** A scale and zero point. */
export interface QuantParams {
  /** float32-rounded, as onnxruntime stores it. */
  scale: number;
  zeroPoint: number;
}

/**
 * The integer range of `type`. `reduceRange` keeps 7 bits (onnxruntime's reduce_range, for CPUs
 * without VNNI whose u8·s8 dot products could saturate); `symmetric` int8 drops −128 so that
 * the range is centred on 0 ([−127, 127]).
 */
export function quantRange(type: QuantType, reduceRange = false, symmetric = false): [number, number] {
  if (type === 'uint8') return reduceRange ? [0, 127] : [0, 255];
  if (reduceRange) return [-64, 64];
  return symmetric ? [-127, 127] : [-128, 127];
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round takes halves up; numpy takes them to the even integer.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Scale and zero point for real values in [rmin, rmax] stored in [qmin, qmax]. The range is
 * widened to hold 0 (so that 0, zero padding, is exact); symmetric makes it ±max|r| with the
 * zero point in the middle of the integer range; a range of (nearly) zero width gets scale 1,
 * zero point 0.
 */
export function scaleZeroPoint(rmin: number, rmax: number, qmin: number, qmax: number, symmetric = false): QuantParams {
  let lo = Math.min(rmin, 0);
  let hi = Math.max(rmax, 0);
  if (symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -absmax;
    hi = absmax;
  }
  // onnxruntime divides in float64 and casts the scale to float32 after choosing the zero point.
  const scale = (hi - lo) / (qmax - qmin);
  if (!(scale >= FLOAT32_TINY)) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - lo / scale);
  return { scale: Math.fround(scale), zeroPoint: Math.min(qmax, Math.max(qmin, zeroPoint)) };
}

/** The smallest normal float32 (numpy.finfo(float32).tiny). */
const FLOAT32_TINY = 2 ** -126;

/** Parameters for values in [rmin, rmax] as `type` (onnxruntime's quantize_data without the data). */
export function paramsForRange(rmin: number, rmax: number, type: QuantType, o: { symmetric?: boolean; reduceRange?: boolean } = {}): QuantParams {
  const [qmin, qmax] = quantRange(type, o.reduceRange ?? false, o.symmetric ?? false);
  return scaleZeroPoint(rmin, rmax, qmin, qmax, o.symmetric ?? false);
}

/** One value quantized: round(r / s) + z in float32 arithmetic, clipped to [qmin, qmax]. */
export function quantizeValue(r: number, p: QuantParams, qmin: number, qmax: number): number {
  const q = roundHalfEven(Math.fround(Math.fround(r) / p.scale)) + p.zeroPoint;
  return Math.min(qmax, Math.max(qmin, q));
}
