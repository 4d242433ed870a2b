import './zod-config.js';
import { z } from 'zod';
import type { EditHistory, EditResult, GraphDiff, HistoryStep, JobInfo, OperationInfo, OperationList, OperationPreview, SavedModel, StepVerification } from './operations-api.js';
import { modelIdSchema } from './schemas.js';
import { quantizeFiguresSchema } from './quantize-figures.js';
import { pruneFiguresSchema } from './prune-figures.js';

// Zod schemas of operations-api.ts, each annotated with the type it checks.

const count = z.number().int().nonnegative();
const nodeIds = z.array(count);
/** A number that may be NaN or ±Infinity (an error over outputs that hold NaN). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const groupSchema = z.enum(['cleanup', 'fusion', 'preset', 'surgery', 'quantization', 'pruning']);

export const selectionSchema = z.array(count).max(1 << 20);
export const versionSchema = count;
export const operationNameSchema = z.string().min(1).max(200);
export const operationOptionsSchema = z.record(z.string().max(200), z.unknown());
export const jobIdSchema = z.string().min(1).max(100);

export const graphDiffSchema: z.ZodType<GraphDiff> = z.object({ added: nodeIds, removed: nodeIds, changed: nodeIds, graphChanged: z.boolean() });

export const operationInfoSchema: z.ZodType<OperationInfo> = z.object({
  name: z.string(),
  description: z.string(),
  group: groupSchema,
  target: z.enum(['portable', 'onnxruntime']).nullable(),
  tolerance: z.string().nullable(),
  optionsSchema: z.unknown(),
  options: z.record(z.string(), z.unknown()).nullable(),
  matches: count,
  nodes: nodeIds,
  nodesBefore: count,
  nodesAfter: count,
});

export const operationListSchema: z.ZodType<OperationList> = z.object({
  version: versionSchema,
  selection: nodeIds.nullable(),
  operations: z.array(operationInfoSchema),
});

export const operationPreviewSchema: z.ZodType<OperationPreview> = z.object({
  version: versionSchema,
  name: z.string(),
  matches: count,
  removed: nodeIds,
  changed: nodeIds,
  addedCount: count,
  graphChanged: z.boolean(),
  nodesBefore: count,
  nodesAfter: count,
  tolerance: z.string().nullable(),
  summary: z.string().nullable(),
});

export const stepVerificationSchema: z.ZodType<StepVerification> = z.object({
  state: z.enum(['none', 'running', 'passed', 'failed', 'cancelled', 'error']),
  jobId: z.string().nullable(),
  tolerance: z.string().nullable(),
  maxAbsError: anyNumber.nullable(),
  cosine: anyNumber.nullable(),
  message: z.string().nullable(),
  outputs: z.array(z.object({ name: z.string(), maxAbsError: anyNumber.nullable(), cosine: anyNumber.nullable(), passed: z.boolean() })),
});

export const historyStepSchema: z.ZodType<HistoryStep> = z.object({
  index: count,
  label: z.string(),
  operation: z.string(),
  options: z.record(z.string(), z.unknown()),
  selection: nodeIds.nullable(),
  matches: count,
  nodesBefore: count,
  nodesAfter: count,
  applied: z.boolean(),
  verification: stepVerificationSchema,
  quantize: quantizeFiguresSchema.optional(),
  prune: pruneFiguresSchema.optional(),
});

export const editHistorySchema: z.ZodType<EditHistory> = z.object({ version: versionSchema, state: count, steps: z.array(historyStepSchema) });

export const editResultSchema: z.ZodType<EditResult> = z.object({
  version: versionSchema,
  state: count,
  steps: z.array(historyStepSchema),
  diff: graphDiffSchema,
  step: historyStepSchema.nullable(),
});

export const savedModelSchema: z.ZodType<SavedModel> = z.object({ path: z.string(), bytes: count, nodeCount: count });

export const jobInfoSchema: z.ZodType<JobInfo> = z.object({
  jobId: z.string(),
  kind: z.string(),
  label: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  message: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** Params of the operation rows (strict: unknown fields are refused, as everywhere in the table). */
export const operationParams = {
  listOperations: z.strictObject({ modelId: modelIdSchema, selection: selectionSchema.optional(), all: z.boolean().optional() }),
  previewOperation: z.strictObject({
    modelId: modelIdSchema,
    name: operationNameSchema,
    options: operationOptionsSchema.optional(),
    selection: selectionSchema.optional(),
    version: versionSchema.optional(),
  }),
  applyOperation: z.strictObject({
    modelId: modelIdSchema,
    name: operationNameSchema,
    options: operationOptionsSchema.optional(),
    selection: selectionSchema.optional(),
    version: versionSchema,
    verify: z.boolean().optional(),
  }),
  undoRedo: z.strictObject({ modelId: modelIdSchema, version: versionSchema.optional() }),
  goToStep: z.strictObject({ modelId: modelIdSchema, index: count, version: versionSchema.optional() }),
  getHistory: z.strictObject({ modelId: modelIdSchema }),
  saveModel: z.strictObject({ modelId: modelIdSchema, path: z.string().min(1).max(4096), overwrite: z.boolean().optional(), externalData: count.optional() }),
  job: z.strictObject({ jobId: jobIdSchema }),
};
