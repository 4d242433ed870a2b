// How much of a weight tensor survives int8 quantization, as a signal-to-quantization-noise ratio.
// Static quantization leaves a Conv/Gemm/MatMul in float when its weight keeps too little: with
// per-tensor weights one output channel far larger than the rest (a BatchNorm or reparameterised
// block folded into the weights) makes the common scale so coarse that most weights round to 0 or
// ±1. On PP-OCRv4 rec (opset 10, so per-tensor weights for us and for onnxruntime alike) two 1×1
// Convs of its last stage keep 10.8 and 9.4 dB (typical weights keep 35–48 dB); quantized, the
// layers after them kept ~0 dB, and the output's cosine to the float model was 0.79 on drawn text
// images; those two left in float: 0.85, the rest unchanged.

import { quantizeTensor, type WeightQuantOptions } from './quantize-tensor.js';

/**
 * Below this (dB), a weight stays in float: 12 dB is an error of 25% of the weight's RMS. The
 * bench's builder-made models' weights keep 48 dB; PP-OCRv4's (per tensor, after BatchNorm
 * folding) 18–42 dB but for rec's two above and two 384×384 Convs in det at 13.0 and 13.7 dB.
 * Those two left in float (a 15 dB bound) gained 3 dB at their own outputs but nothing at det's
 * (its cosine moved by −0.020 ± 0.018 over 64 samples: its head loses more elsewhere) and cost
 * 0.19 of the float file's size, so the bound sits between the two models' cases.
 */
export const MIN_WEIGHT_SQNR_DB = 12;

/**
 * 10·log10(Σ r² / Σ (r − r̂)²) for `values` (shape `dims`) against r̂ = s·(q − z), their
 * quantization with `o` (per tensor, or per channel along o.axis). Infinity when nothing is lost
 * (all zeros, or every value exact).
 */
export function quantizedSqnrDb(values: ArrayLike<number>, dims: readonly number[], o: WeightQuantOptions): number {
  const q = quantizeTensor(values, dims, o);
  // Per channel, element i belongs to channel ⌊i / inner⌋ mod n.
  const inner = o.axis === undefined ? values.length : dims.slice(o.axis + 1).reduce((a, b) => a * b, 1);
  const n = o.axis === undefined ? 1 : dims[o.axis]!;
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < values.length; i++) {
    const c = o.axis === undefined ? 0 : Math.floor(i / inner) % n;
    const r = values[i]!;
    const e = r - q.scales[c]! * (q.values[i]! - q.zeroPoints[c]!);
    signal += r * r;
    noise += e * e;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}
