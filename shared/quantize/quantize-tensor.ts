// A weight tensor quantized per tensor or per channel (onnxruntime's quantize_data and
// quantize_weight_per_channel), and a bias quantized to int32 with scale = input scale × weight
// scale (quantize_bias_static), so that a quantized Conv/MatMul/Gemm accumulates it exactly.

import { paramsForRange, quantizeValue, quantRange, roundHalfEven, type QuantParams, type QuantType } from './quant-params.js';

/** A quantized tensor: its integers and one scale/zero point (per tensor) or one per channel. */
export interface QuantizedTensor {
  type: QuantType;
  values: Int8Array | Uint8Array;
  scales: number[];
  zeroPoints: number[];
  /** The channel axis when per channel; undefined per tensor. */
  axis: number | undefined;
}

export interface WeightQuantOptions {
  type: QuantType;
  symmetric: boolean;
  reduceRange?: boolean;
  /** Quantize each slice along this axis with its own parameters. */
  axis?: number;
}

function rangeOf(values: ArrayLike<number>, indices: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of indices) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

function* channelIndices(dims: readonly number[], axis: number, c: number): Generator<number> {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) yield (o * n + c) * inner + i;
}

/** Quantizes float `values` of shape `dims`, per tensor or (o.axis) per channel. */
export function quantizeTensor(values: ArrayLike<number>, dims: readonly number[], o: WeightQuantOptions): QuantizedTensor {
  const [qmin, qmax] = quantRange(o.type, o.reduceRange ?? false, o.symmetric);
  const out = o.type === 'int8' ? new Int8Array(values.length) : new Uint8Array(values.length);
  const params: QuantParams[] = [];
  const slices = o.axis === undefined ? [undefined] : Array.from({ length: dims[o.axis]! }, (_, c) => c);
  for (const c of slices) {
    const indices = () => (c === undefined ? Array.from({ length: values.length }, (_, i) => i) : channelIndices(dims, o.axis!, c));
    const [lo, hi] = rangeOf(values, indices());
    const p = paramsForRange(lo, hi, o.type, { symmetric: o.symmetric, reduceRange: o.reduceRange ?? false });
    params.push(p);
    for (const i of indices()) out[i] = quantizeValue(values[i]!, p, qmin, qmax);
  }
  return { type: o.type, values: out, scales: params.map((p) => p.scale), zeroPoints: params.map((p) => p.zeroPoint), axis: o.axis };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A bias as int32 with zero point 0 and scale inputScale × weightScales[c] (one scale per output
 * channel, or one for all). A zero product (a weight channel of zeros) takes scale 1.
 */
export function quantizeBias(bias: ArrayLike<number>, inputScale: number, weightScales: readonly number[]): { values: Int32Array; scales: number[] } {
  const scales = Array.from({ length: weightScales.length === 1 ? 1 : bias.length }, (_, c) => {
    const s = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
    return s === 0 ? 1 : s;
  });
  const values = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scales[scales.length === 1 ? 0 : i]!;
    values[i] = Math.min(INT32_MAX, Math.max(INT32_MIN, roundHalfEven(bias[i]! / s)));
  }
  return { values, scales };
}
