import type { QuantType } from './quant-params.js';

/** The ops static quantization handles, by how it treats them. */
export const CORE_OPS = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'] as const;
/** Ops whose output takes its input's scale and zero point (they only move or pick values). */
export const SAME_PARAMS_OPS = ['MaxPool', 'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Resize', 'Pad', 'Slice'] as const;
/** Ops whose inputs and output are each quantized with their own range (onnxruntime has int8 kernels for them). */
export const OWN_PARAMS_OPS = ['Add', 'Mul', 'Concat', 'GlobalAveragePool', 'AveragePool', 'Sigmoid', 'Softmax', 'LeakyRelu'] as const;
/** Activations folded into the quantized output of the node before them (asymmetric activations only). */
export const FOLDED_ACTIVATIONS = ['Relu', 'Clip'] as const;

/**
 * Ops written as HardSigmoid + Mul when quantized (as onnxruntime's quant_pre_process inlines
 * HardSwish), so that the Mul runs as QLinearMul and the chain stays integer; onnxruntime has no
 * int8 HardSwish and runs it in float, in NCHW, between Transposes.
 */
export const DECOMPOSED_OPS = ['HardSwish'] as const;

export const STATIC_OPS: readonly string[] = [...CORE_OPS, ...SAME_PARAMS_OPS, ...OWN_PARAMS_OPS, ...FOLDED_ACTIVATIONS, ...DECOMPOSED_OPS];

/** How static int8 quantization runs (onnxruntime's quantize_static options, by other names). */
export interface StaticQuantOptions {
  /** Activations' type; weights are always int8 (symmetric, [−127, 127]). */
  activationType: QuantType;
  /** Activations quantized symmetrically (±max|r|). */
  symmetric: boolean;
  /** One scale per output channel of each weight. */
  perChannel: boolean;
  /** Weights in 7 bits (CPUs without VNNI). */
  reduceRange: boolean;
  /** Op types to quantize; undefined: every op in STATIC_OPS. */
  ops?: readonly string[];
  /** Node names (or ids) left in float. */
  exclude: readonly string[];
  /**
   * A Conv/Gemm/MatMul whose int8 weight keeps less than this SQNR (dB) stays in float;
   * undefined: MIN_WEIGHT_SQNR_DB (weight-fidelity.ts); 0: every weight is quantized.
   */
  minWeightSqnrDb?: number;
}

/** A calibrated range of one tensor. */
export interface TensorRange {
  min: number;
  max: number;
}
