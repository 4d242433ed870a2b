import './zod-config.js';
import { z } from 'zod';
import type { ModelSummary, ValueSummary } from '../onnx/model-summary.js';
import { graphNodesSchema, graphValuesSchema } from './fast-checks.js';
import type { GraphInfo, GraphNodeInfo, GraphPath, GraphValueInfo, OpenedModelInfo, ProgressEvent, TensorInfo, VerifySettingsInfo } from './backend.js';
import type { VerifyInputSettings } from '../verify/input-settings.js';
import type { GraphPart } from './graph-parts.js';

// Zod schemas of the Backend's JSON types. Each is annotated with the TypeScript type it checks,
// so a field added to one and not the other is a compile error.

const int = z.number().int();
const count = int.nonnegative();
/** A number that may be NaN or ±Infinity (statistics of tensors that hold them). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });

/** Identifiers the service hands out: short, printable. */
export const modelIdSchema = z.string().min(1).max(100);

export const graphPathSchema: z.ZodType<GraphPath> = z
  .array(z.strictObject({ nodeId: count, attribute: z.string().min(1).max(200), index: count.optional() }))
  .max(64);

const dimSchema = z.union([anyNumber, z.string(), z.null()]);

const valueSummarySchema: z.ZodType<ValueSummary> = z.object({
  name: z.string(),
  elemType: z.string(),
  shape: z.array(dimSchema).nullable(),
});

export const modelSummarySchema: z.ZodType<ModelSummary> = z.object({
  irVersion: anyNumber,
  producerName: z.string(),
  producerVersion: z.string(),
  domain: z.string(),
  modelVersion: anyNumber,
  graphName: z.string(),
  opsetImports: z.array(z.object({ domain: z.string(), version: anyNumber })),
  inputs: z.array(valueSummarySchema),
  outputs: z.array(valueSummarySchema),
  nodeCount: count,
  nodeCountTotal: count,
  subgraphCount: count,
  functionCount: count,
  opTypes: z.record(z.string(), count),
  initializerCount: count,
  parameterCount: count,
  constantParameterCount: count,
  parameterBytesByType: z.record(z.string(), count),
  metadata: z.record(z.string(), z.string()),
  externalDataFiles: z.array(z.string()),
});

export const openedModelInfoSchema: z.ZodType<OpenedModelInfo> = z.object({
  modelId: modelIdSchema,
  name: z.string(),
  path: z.string().nullable(),
  fileSize: count,
  summary: modelSummarySchema,
});

/** One node, checked by zod (test/protocol compares it with the fast check used for arrays). */
export const graphNodeInfoSchema: z.ZodType<GraphNodeInfo> = z.object({
  id: count,
  name: z.string(),
  opType: z.string(),
  domain: z.string(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
  subgraphs: z.array(z.object({ attribute: z.string(), index: count.optional(), name: z.string(), nodeCount: count })),
  implicitInputs: z.array(z.string()).optional(),
  constantValue: z.string().optional(),
});

/** One value, checked by zod (test/protocol compares it with the fast check used for arrays). */
export const graphValueInfoSchema: z.ZodType<GraphValueInfo> = z.object({
  name: z.string(),
  elemType: z.string(),
  shape: z.array(dimSchema).nullable(),
  source: z.enum(['declared', 'inferred', 'unknown']),
});

export const graphInfoSchema: z.ZodType<GraphInfo> = z.object({
  path: graphPathSchema,
  name: z.string(),
  nodes: graphNodesSchema,
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  initializers: z.array(z.object({ name: z.string(), elemType: z.string(), dims: z.array(count) })),
  values: graphValuesSchema,
  version: count.optional(),
});

export const graphPartSchema: z.ZodType<GraphPart> = z.object({
  parts: count.min(1),
  totals: z.object({ nodes: count, values: count, initializers: count }),
  graph: graphInfoSchema,
});

export const tensorInfoSchema: z.ZodType<TensorInfo> = z.object({
  name: z.string(),
  elemType: z.string(),
  dims: z.array(count),
  byteSize: count,
  external: z.boolean(),
  stats: z
    .object({
      min: anyNumber,
      max: anyNumber,
      mean: anyNumber,
      std: anyNumber,
      zeros: count,
      nanCount: count,
      sparsity: anyNumber,
    })
    .nullable(),
  histogram: z.object({ min: anyNumber, max: anyNumber, counts: z.array(count) }).nullable(),
  first: z.array(anyNumber),
});

export const progressEventSchema: z.ZodType<ProgressEvent> = z.object({
  jobId: z.string(),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  message: z.string(),
});

const settingKey = z.string().min(1).max(4096);

export const verifySettingsSchema: z.ZodType<VerifyInputSettings> = z.strictObject({
  inputsPath: z.string().min(1).max(4096).optional(),
  dims: z.record(settingKey, count.max(2 ** 31)),
  values: z.record(settingKey, z.number().finite()),
});

export const verifySettingsInfoSchema: z.ZodType<VerifySettingsInfo> = z.object({
  settings: verifySettingsSchema,
  remembered: z.boolean(),
});

/** A WorkbenchError as it crosses a process boundary. */
export const wireErrorSchema = z.object({ code: z.string().min(1), message: z.string() });
