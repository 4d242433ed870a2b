import './zod-config.js';
import { z } from 'zod';
import type { CompareReport, ProfileReport } from '../profile/report-schema.js';
import type { JobInfo } from './operations-api.js';
import { jobIdSchema, jobInfoSchema, versionSchema } from './operation-schemas.js';
import { modelIdSchema } from './schemas.js';

// The Backend's part for profiling and comparing an open model: each runs as a job in the
// service (onnxruntime in the runtime host), like the CLI's `profile` and `compare`; the result
// is the report the CLI writes (report-schema.ts), fetched once the job has ended.

/** How a profile or comparison runs (the CLI's options, as the app's form sets them). */
export interface AppProfileOptions {
  provider: 'cpu' | 'cuda' | 'tensorrt';
  /** Run on CPU when the provider is missing here (the CLI's --allow-fallback); otherwise the job fails saying so. */
  allowFallback?: boolean;
  runs: number;
  warmup: number;
  /** Intra-op threads; null or absent: onnxruntime's default. */
  threads?: number | null;
  optimization: 'disabled' | 'basic' | 'extended' | 'all';
  /** 'settings': the model's verification settings (dims, values, inputs file); 'generated': seeded random inputs. */
  inputs: 'settings' | 'generated';
}

export interface StartProfileParams {
  modelId: string;
  /** The edit version the user saw (refused with STALE_VERSION when the model changed since). */
  version?: number;
  options: AppProfileOptions;
}

export interface StartCompareParams extends StartProfileParams {
  /** What the current state is compared with: the file as opened, or history state N (1 = after the first step). */
  against: 'original' | number;
}

/** A profile job and, once it is done, its report. */
export interface ProfileResult {
  job: JobInfo;
  report: ProfileReport | null;
}

export interface CompareResult {
  job: JobInfo;
  report: CompareReport | null;
}

const positive = z.number().int().positive();

export const appProfileOptionsSchema: z.ZodType<AppProfileOptions> = z.strictObject({
  provider: z.enum(['cpu', 'cuda', 'tensorrt']),
  allowFallback: z.boolean().optional(),
  runs: positive.max(100_000),
  warmup: z.number().int().nonnegative().max(10_000),
  threads: positive.max(1024).nullable().optional(),
  optimization: z.enum(['disabled', 'basic', 'extended', 'all']),
  inputs: z.enum(['settings', 'generated']),
});

// The reports are checked where the renderer reads them (the fields the views use), and pass
// through whole: they are the CLI's published JSON, whose full shape report-schema.ts documents.
const timing = { medianMs: z.number(), p90Ms: z.number(), minMs: z.number(), maxMs: z.number() };
const nodeRecord = z.looseObject({ ...timing, name: z.string(), opType: z.string(), provider: z.string(), share: z.number(), typicalMs: z.number(), originalNodes: z.array(z.string()) });
const profileReportSchema = z.looseObject({
  schema: z.literal('onnx-workbench.profile'),
  model: z.string(),
  provider: z.looseObject({ requested: z.string(), used: z.string(), fallback: z.boolean() }),
  endToEnd: z.looseObject(timing),
  kernelSumMs: z.number(),
  nodes: z.array(nodeRecord),
  byOpType: z.array(z.looseObject({ key: z.string(), typicalMs: z.number(), share: z.number(), kernels: z.number() })),
}) as unknown as z.ZodType<ProfileReport>;
const compareReportSchema = z.looseObject({
  schema: z.literal('onnx-workbench.compare'),
  a: profileReportSchema,
  b: profileReportSchema,
  latencyRatio: z.number(),
  ratioSpread: z.object({ p10: z.number(), p90: z.number() }),
  withinNoise: z.boolean(),
  verdict: z.string(),
  outputs: z.array(z.looseObject({ name: z.string() })),
  layers: z.array(z.looseObject({ aNodes: z.array(z.string()), bNodes: z.array(z.string()), aMs: z.number(), bMs: z.number(), deltaMs: z.number(), match: z.string() })),
  structure: z.looseObject({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
}) as unknown as z.ZodType<CompareReport>;

export const profileParams = {
  startProfile: z.strictObject({ modelId: modelIdSchema, version: versionSchema.optional(), options: appProfileOptionsSchema }),
  startCompare: z.strictObject({
    modelId: modelIdSchema,
    version: versionSchema.optional(),
    against: z.union([z.literal('original'), z.number().int().nonnegative()]),
    options: appProfileOptionsSchema,
  }),
  result: z.strictObject({ jobId: jobIdSchema }),
};

export const profileResultSchema: z.ZodType<ProfileResult> = z.object({ job: jobInfoSchema, report: profileReportSchema.nullable() });
export const compareResultSchema: z.ZodType<CompareResult> = z.object({ job: jobInfoSchema, report: compareReportSchema.nullable() });
