import '../protocol/zod-config.js';
import { z } from 'zod';
import type { Operation } from '../operations/operation.js';
import type { OperationRegistry } from '../operations/registry.js';
import { CALIBRATION_METHODS } from '../quantize/range-collector.js';
import { TOLERANCE_NAMES } from '../verify/tolerance.js';

// A recipe is a saved pipeline: an ordered list of the registry's operations with their options,
// the target, how each step is verified, and optionally how the result is profiled. Its schema is
// built from the registry's own option schemas, so that an operation added there is a step a
// recipe can name, and the JSON Schema editors complete with cannot drift from what runs.

/** The recipe format's version; a file of another version is refused rather than misread. */
export const RECIPE_VERSION = 1;

const targetSchema = z.enum(['portable', 'onnxruntime']);
const settingKey = z.string().min(1).max(4096);

/** Verification inputs and level, as the app's verify settings store them (plus an optional fixed level). */
export const recipeVerifySchema = z.strictObject({
  tolerance: z.enum(TOLERANCE_NAMES as [string, ...string[]]).optional().describe('one level for every step (default: each step\'s own, the loosest of the steps so far)'),
  inputsPath: z.string().min(1).max(4096).optional().describe('a .npy/.pb file, a folder of them, or a folder of such folders; relative to the recipe file'),
  dims: z.record(settingKey, z.number().int().nonnegative().max(2 ** 31)).default({}).describe('sizes of symbolic dims by name'),
  values: z.record(settingKey, z.number()).default({}).describe('one number per input: a scalar\'s value, or every element\'s'),
});

/** Latency of the result against the original, measured once every step has run. */
export const recipeProfileSchema = z.strictObject({
  runs: z.number().int().positive().max(100_000).default(20),
  warmup: z.number().int().nonnegative().max(10_000).optional(),
  threads: z.number().int().positive().max(1024).optional(),
});

const imageSize = z.union([z.number().int().positive().max(65_536), z.tuple([z.number().int().positive().max(65_536), z.number().int().positive().max(65_536)])]);
const perChannel = z.tuple([z.number(), z.number(), z.number()]);

/** How a folder of PNG/JPEG images becomes input tensors (ImagePreprocessSpec; checked again by checkImageSpec). */
export const recipeImagesSchema = z.strictObject({
  resize: imageSize.optional().describe('the shorter side (aspect kept), or [width, height]'),
  crop: imageSize.optional().describe('centre crop after resizing: n or [width, height]'),
  scale: z.number().optional().describe('multiplies each 0-255 value first (default 1/255)'),
  mean: perChannel.optional().describe('per channel (R, G, B), subtracted after scaling'),
  std: perChannel.optional().describe('per channel (R, G, B), divided by after the mean'),
  channels: z.enum(['rgb', 'bgr']).optional(),
  layout: z.enum(['nchw', 'nhwc']).optional(),
  input: z.string().min(1).max(4096).optional().describe('the input the images feed (default: the one 4-D float input)'),
});

/** How a quantize-static step calibrates its ranges. */
export const recipeCalibrationSchema = z.strictObject({
  method: z.enum(CALIBRATION_METHODS as [string, ...string[]]).default('minmax'),
  samples: z.number().int().positive().max(100_000).optional().describe('generated (random) input sets; poor ranges: give inputsPath'),
  inputsPath: z.string().min(1).max(4096).optional().describe('real calibration samples (sample folders, or PNG/JPEG images); relative to the recipe file'),
  images: recipeImagesSchema.optional().describe('preprocessing when inputsPath is a folder of images'),
});

// What every step takes besides its operation's options.
const stepCommon = {
  label: z.string().min(1).max(200).optional().describe('shown in the history and progress instead of the operation name'),
  verify: z.boolean().optional().describe('verify outputs after this step (default: true where the operation keeps what the model computes)'),
  nodes: z.array(z.string().min(1)).min(1).optional().describe('limit the step to these nodes (names, as in the model when the step runs)'),
};

/** One step's schema: the operation's name as a constant and its own options schema. */
export function recipeStepSchema(op: Operation<unknown>) {
  return z.strictObject({
    operation: z.literal(op.name).describe(op.description),
    options: (op.options as z.ZodType).optional(),
    ...stepCommon,
    ...(op.name === 'quantize-static' ? { calibration: recipeCalibrationSchema.optional() } : {}),
  });
}

/** The whole recipe's zod schema for the operations of `registry`. */
export function recipeZodSchema(registry: OperationRegistry) {
  const steps = registry.list().map(recipeStepSchema);
  const step = steps.length > 1 ? z.union(steps as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]) : steps[0]!;
  return z.strictObject({
    $schema: z.string().optional(),
    version: z.literal(RECIPE_VERSION),
    description: z.string().max(10_000).optional(),
    target: targetSchema.default('portable').describe('portable: standard ONNX only; onnxruntime: steps may emit com.microsoft ops'),
    verify: recipeVerifySchema.optional(),
    profile: recipeProfileSchema.optional(),
    steps: z.array(step).min(1),
  });
}

/** The recipe format as JSON Schema (draft 2020-12), generated from the registry. */
export function recipeJsonSchema(registry: OperationRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(recipeZodSchema(registry), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'ONNX Workbench recipe', description: 'An ordered list of operations with their options, run by `onnx-workbench optimize MODEL -o OUT --recipe FILE` or the app\'s recipe editor.' };
}
