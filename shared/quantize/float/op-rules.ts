// Which operators a float16/bfloat16 conversion leaves in float32, and which inputs of the
// operators it converts keep their own type.

/**
 * Operators kept in float32 unless the user says otherwise: those onnxruntime has no 16-bit
 * kernels for on any provider, those whose output type an attribute fixes (random generators,
 * EyeLike), those that carry sequences, and those numerically unsafe in 11 (or 8) bits:
 * Range and CumSum accumulate (a running sum in float16 stops growing at 2048 by ones),
 * NonMaxSuppression and RoiAlign compare box coordinates in pixels, which float16 rounds to
 * whole or half pixels above 1024; quantization ops compute scales that must stay float32.
 */
export const DEFAULT_OP_BLOCK_LIST: readonly string[] = [
  'Range',
  'CumSum',
  'NonMaxSuppression',
  'RoiAlign',
  'EyeLike',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Bernoulli',
  'Multinomial',
  'DynamicQuantizeLinear',
  'QuantizeLinear',
  'DequantizeLinear',
  'SequenceConstruct',
  'SequenceInsert',
  'SequenceAt',
  'SequenceErase',
  'SequenceEmpty',
  'SplitToSequence',
  'ConcatFromSequence',
  'Optional',
  'OptionalGetElement',
  'STFT',
  'DFT',
];

/** Inputs (by index) that stay float32 when their operator is converted: Resize's roi and scales (scales must be float32). */
export const FLOAT32_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
};

/** Inputs (by index) that accept any type, so that a converted value needs no Cast to reach them. */
export const ANY_TYPE_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Cast: [0],
  CastLike: [0],
  Shape: [0],
  Size: [0],
};

/** Whether input `index` of `opType` must stay float32, or takes any type. */
export function inputRule(opType: string, index: number): 'float32' | 'any' | 'half' {
  if (FLOAT32_INPUTS[opType]?.includes(index)) return 'float32';
  if (ANY_TYPE_INPUTS[opType]?.includes(index)) return 'any';
  return 'half';
}
