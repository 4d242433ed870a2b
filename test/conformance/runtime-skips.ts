// Conformance cases onnxruntime-node 1.30 (CPU) cannot run, or runs differently from the ONNX
// reference, keyed `group/test_name`. runtime-outputs.test.ts runs every listed case anyway: it
// must still fail, with a failure matching its group's pattern, or the test fails, so the list
// cannot go stale. Everything not listed here must pass.

import { execFileSync } from 'node:child_process';
import type { Tolerance } from './conformance-data.js';

export interface SkipGroup {
  reason: string;
  /** The case's failure (error or output mismatch, one line) must match this. */
  failure: RegExp;
  /** False where the reason does not hold on this machine; the cases must then pass. */
  applies?: boolean;
  tests: string[];
}

// ort's StringNormalizer builds a C++ locale for case changes ('en_US.UTF-8' by default on Linux);
// minimal Linux images (this one included) have only C/POSIX locales.
function linuxLacksEnUsLocale(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const out = execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return !out.split('\n').some((l) => l.trim().toLowerCase().replace('-', '') === 'en_us.utf8');
  } catch {
    return true;
  }
}

export const SKIP_GROUPS: SkipGroup[] = [
  {
    reason: 'a graph input is a sequence or optional value: onnxruntime-node feeds only tensors',
    failure: /is a (sequence|optional): onnxruntime-node feeds only tensors/,
    tests: [
      'node/test_identity_opt',
      'node/test_identity_sequence',
      'node/test_loop13_seq',
      'node/test_loop16_seq_none',
      'node/test_optional_get_element',
      'node/test_optional_get_element_sequence',
      'node/test_optional_has_element',
      'node/test_optional_has_element_empty',
      'node/test_sequence_insert_at_back',
      'node/test_sequence_insert_at_front',
      'node/test_sequence_map_add_1_sequence_1_tensor',
      'node/test_sequence_map_add_1_sequence_1_tensor_expanded',
      'node/test_sequence_map_add_2_sequences',
      'node/test_sequence_map_add_2_sequences_expanded',
      'node/test_sequence_map_extract_shapes',
      'node/test_sequence_map_extract_shapes_expanded',
      'node/test_sequence_map_identity_1_sequence',
      'node/test_sequence_map_identity_1_sequence_1_tensor',
      'node/test_sequence_map_identity_1_sequence_1_tensor_expanded',
      'node/test_sequence_map_identity_1_sequence_expanded',
      'node/test_sequence_map_identity_2_sequences',
      'node/test_sequence_map_identity_2_sequences_expanded',
    ],
  },
  {
    reason: "a graph output is a sequence or optional value: onnxruntime-node returns only tensors ('Non tensor type is temporarily not supported')",
    failure: /Non tensor type is temporarily not supported/,
    tests: ['node/test_if_opt', 'node/test_if_seq'],
  },
  {
    reason: 'ai.onnx.preview.training ops (Adagrad, Adam, Momentum, Gradient) are not in onnxruntime\'s inference build',
    failure: /ai\.onnx\.preview\.training:(Adagrad|Adam|Momentum|Gradient)\(-1\) is not a registered function\/op/,
    tests: [
      'node/test_adagrad',
      'node/test_adagrad_multiple',
      'node/test_adam',
      'node/test_adam_multiple',
      'node/test_momentum',
      'node/test_momentum_multiple',
      'node/test_nesterov_momentum',
      'simple/test_gradient_of_add',
      'simple/test_gradient_of_add_and_mul',
    ],
  },
  {
    reason: "onnxruntime-node has no bfloat16 tensors: it refuses a session with a bfloat16 input or output ('Unsupported data type: 16')",
    failure: /Unsupported data type: 16/,
    tests: [
      'node/test_cast_BFLOAT16_to_FLOAT',
      'node/test_cast_FLOAT_to_BFLOAT16',
      'node/test_castlike_BFLOAT16_to_FLOAT',
      'node/test_castlike_BFLOAT16_to_FLOAT_expanded',
      'node/test_castlike_FLOAT_to_BFLOAT16',
      'node/test_castlike_FLOAT_to_BFLOAT16_expanded',
    ],
  },
  {
    reason:
      'the model imports ai.onnx opset 6: onnxruntime has no CPU kernel for the pre-opset-7 forms of Add, Mul, Gemm, PRelu, ' +
      'BatchNormalization, AveragePool and Pow (legacy broadcast / consumed_inputs attributes)',
    failure: /Could not find an implementation for (Add|Mul|Gemm|PRelu|BatchNormalization|AveragePool|Pow)\((1|6)\)/,
    tests: [
      'pytorch-converted/test_AvgPool1d',
      'pytorch-converted/test_AvgPool1d_stride',
      'pytorch-converted/test_AvgPool2d',
      'pytorch-converted/test_AvgPool2d_stride',
      'pytorch-converted/test_AvgPool3d',
      'pytorch-converted/test_AvgPool3d_stride1_pad0_gpu_input',
      'pytorch-converted/test_AvgPool3d_stride',
      'pytorch-converted/test_BatchNorm1d_3d_input_eval',
      'pytorch-converted/test_BatchNorm2d_eval',
      'pytorch-converted/test_BatchNorm2d_momentum_eval',
      'pytorch-converted/test_BatchNorm3d_eval',
      'pytorch-converted/test_BatchNorm3d_momentum_eval',
      'pytorch-converted/test_GLU',
      'pytorch-converted/test_GLU_dim',
      'pytorch-converted/test_Linear',
      'pytorch-converted/test_PReLU_1d',
      'pytorch-converted/test_PReLU_1d_multiparam',
      'pytorch-converted/test_PReLU_2d',
      'pytorch-converted/test_PReLU_2d_multiparam',
      'pytorch-converted/test_PReLU_3d',
      'pytorch-converted/test_PReLU_3d_multiparam',
      'pytorch-converted/test_PoissonNLLLLoss_no_reduce',
      'pytorch-converted/test_Softsign',
      'pytorch-operator/test_operator_add_broadcast',
      'pytorch-operator/test_operator_add_size1_broadcast',
      'pytorch-operator/test_operator_add_size1_right_broadcast',
      'pytorch-operator/test_operator_add_size1_singleton_broadcast',
      'pytorch-operator/test_operator_addconstant',
      'pytorch-operator/test_operator_addmm',
      'pytorch-operator/test_operator_basic',
      'pytorch-operator/test_operator_mm',
      'pytorch-operator/test_operator_non_float_params',
      'pytorch-operator/test_operator_params',
      'pytorch-operator/test_operator_pow',
    ],
  },
  {
    reason: 'onnxruntime has no CPU kernel for these element types: BitShift on uint16, Max/Min on int16/uint16, Pow with a uint32/uint64 exponent',
    failure: /Could not find an implementation for (BitShift|Max|Min|Pow)\(\d+\)/,
    tests: [
      'node/test_bitshift_left_uint16',
      'node/test_bitshift_right_uint16',
      'node/test_max_int16',
      'node/test_max_uint16',
      'node/test_min_int16',
      'node/test_min_uint16',
      'node/test_pow_types_float32_uint32',
      'node/test_pow_types_float32_uint64',
    ],
  },
  {
    reason: "GRU/LSTM/RNN with layout=1 (batch first): onnxruntime's CPU kernels support layout 0 only",
    failure: /Batchwise recurrent operations \(layout == 1\) are not supported/,
    tests: ['node/test_gru_batchwise', 'node/test_lstm_batchwise', 'node/test_simple_rnn_batchwise'],
  },
  {
    reason: "random outputs (Bernoulli, training-mode Dropout): onnxruntime's generator is not numpy's, seeded or not",
    failure: /^output 'y': \d+ of \d+ values differ/,
    tests: [
      'node/test_bernoulli',
      'node/test_bernoulli_double',
      'node/test_bernoulli_double_expanded',
      'node/test_bernoulli_expanded',
      'node/test_bernoulli_seed',
      'node/test_bernoulli_seed_expanded',
      'node/test_training_dropout',
      'node/test_training_dropout_default',
      'node/test_training_dropout_default_mask',
      'node/test_training_dropout_mask',
    ],
  },
  {
    reason: "Cast float→string: onnxruntime writes 9 significant digits ('0.60484552'), the reference the shortest exact form ('0.6048455')",
    failure: /^output 'output': \d+ of 12 values differ; first at index \d+: [-\d.e]+, expected [-\d.e]+$/,
    tests: ['node/test_cast_FLOAT_to_STRING', 'node/test_castlike_FLOAT_to_STRING', 'node/test_castlike_FLOAT_to_STRING_expanded'],
  },
  {
    reason:
      'Resize align_corners downsampling by a scale that gives a fractional size: onnxruntime divides by (output size - 1), ' +
      'the reference by (scale * input size - 1); onnxruntime\'s own backend-test filter excludes both',
    failure: /^output 'Y': \d+ of \d+ values differ/,
    tests: ['node/test_resize_downsample_scales_cubic_align_corners', 'node/test_resize_downsample_scales_linear_align_corners'],
  },
  {
    reason: "MaxUnpool with output_shape: the test's expected output is wrong (onnx/onnx#2398); onnxruntime's own backend-test filter excludes it",
    failure: /^output 'y': \d+ of 25 values differ/,
    tests: ['node/test_maxunpool_export_with_output_shape'],
  },
  {
    reason: "StringNormalizer changing case needs the en_US.UTF-8 C++ locale, which this Linux system does not have (only where `locale -a` lacks it)",
    failure: /Failed to construct locale with name:en_US\.UTF-8/,
    applies: linuxLacksEnUsLocale(),
    tests: [
      'node/test_strnormalizer_export_monday_casesensintive_lower',
      'node/test_strnormalizer_export_monday_casesensintive_upper',
      'node/test_strnormalizer_export_monday_empty_output',
      'node/test_strnormalizer_export_monday_insensintive_upper_twodim',
      'simple/test_strnorm_model_monday_casesensintive_lower',
      'simple/test_strnorm_model_monday_casesensintive_upper',
      'simple/test_strnorm_model_monday_empty_output',
      'simple/test_strnorm_model_monday_insensintive_upper_twodim',
    ],
  },
];

/** `group/test_name` → its skip group, for the groups that apply on this machine. */
export const RUNTIME_SKIPS: ReadonlyMap<string, SkipGroup> = new Map(
  SKIP_GROUPS.filter((g) => g.applies !== false).flatMap((g) => g.tests.map((t) => [t, g] as const)),
);

export interface ToleranceOverride extends Tolerance {
  reason: string;
}

/**
 * Cases compared at a looser tolerance than DEFAULT_TOLERANCE. Each must still fail at the
 * default (checked), so an override that is no longer needed is noticed.
 */
export const TOLERANCE_OVERRIDES: ReadonlyMap<string, ToleranceOverride> = new Map(
  ['node/test_dft', 'node/test_dft_axis'].map((t) => [
    t,
    {
      rtol: 1e-3,
      atol: 1e-3,
      reason:
        'DFT of values up to 99 (outputs up to ~900) in float32: where the exact result is 0, rounding leaves ~1e-4; ' +
        'the reference is computed in float64',
    },
  ]),
);
