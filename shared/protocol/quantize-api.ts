import './zod-config.js';
import { z } from 'zod';
import { QUANTIZE_MODES, type QuantizeSettings } from '../quantize/quantize-settings.js';
import type { LayerSensitivity, SensitivityReport } from '../quantize/sensitivity-report.js';
import type { EditResult, JobInfo } from './operations-api.js';
import { editResultSchema, jobIdSchema, jobInfoSchema, selectionSchema, versionSchema } from './operation-schemas.js';
import { modelIdSchema } from './schemas.js';

// The Backend's part for quantizing an open model: a job (preprocessing, calibration in the
// runtime host, the operation applied as one history step, then latency and outputs measured
// before and after), the settings remembered for the next time, and per-layer sensitivity of a
// quantize step (the float state before it against the state after it).

export interface StartQuantizeParams {
  modelId: string;
  version?: number;
  settings: QuantizeSettings;
  /** Node ids; absent: the whole model. */
  selection?: number[];
  /** Re-apply in place of history step N (undone first): "keep the worst K in float". */
  replaceStep?: number;
}

/** A quantize job and, once it is done, the edit it made (history with the new step and its figures). */
export interface QuantizeResult {
  job: JobInfo;
  edit: EditResult | null;
}

export interface StartSensitivityParams {
  modelId: string;
  /** The quantize step to measure; absent: the last applied one. */
  step?: number;
}

/** A layer as the app shows it: with the quantized model's node computing it (the node shown in the graph after the step, and the name exclude takes). */
export interface AppLayerSensitivity extends LayerSensitivity {
  quantNode: string;
}

export interface AppSensitivityReport extends SensitivityReport {
  layers: AppLayerSensitivity[];
}

export interface SensitivityResult {
  job: JobInfo;
  /** The step measured (its state is compared with the one before it). */
  step: number | null;
  report: AppSensitivityReport | null;
}

const names = z.array(z.string().min(1).max(1000)).max(100_000);

export const quantizeSettingsSchema: z.ZodType<QuantizeSettings> = z.strictObject({
  mode: z.enum(QUANTIZE_MODES),
  method: z.enum(['minmax', 'percentile', 'entropy']),
  perChannel: z.boolean(),
  activationType: z.enum(['uint8', 'int8']),
  symmetric: z.boolean(),
  reduceRange: z.boolean(),
  ops: z.array(z.string().min(1).max(100)).max(200),
  exclude: names,
  calibration: z.enum(['settings', 'folder', 'generated']),
  calibrationPath: z.string().max(4096),
  samples: z.number().int().min(1).max(10_000),
  preprocess: z.boolean(),
  runs: z.number().int().min(1).max(10_000),
  target: z.enum(['portable', 'onnxruntime']),
  mixedPrecision: z.boolean(),
  tolerance: z.string().max(100),
  images: z.strictObject({
    resize: z.string().max(100), crop: z.string().max(100), scale: z.string().max(100), mean: z.string().max(200), std: z.string().max(200),
    channels: z.string().max(10), layout: z.string().max(10), input: z.string().max(1000),
  }),
});

const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const sensitivityReportSchema: z.ZodType<AppSensitivityReport> = z.object({
  layers: z.array(z.object({ node: z.string(), opType: z.string(), tensor: z.string(), sqnrDb: anyNumber, cosine: anyNumber, maxAbsError: anyNumber, quantNode: z.string() })),
  samples: z.number().int().nonnegative(),
});

/** Rows of the API table (methods.ts) for quantizing. */
export const quantizeMethods = {
  /** The quantize settings used last (the defaults before the first use). */
  getQuantizeSettings: { params: z.strictObject({}), result: quantizeSettingsSchema },
  /** Quantizes as a job (progress events, cancelJob); getQuantize has the edit once done. */
  startQuantize: {
    params: z.strictObject({ modelId: modelIdSchema, version: versionSchema.optional(), settings: quantizeSettingsSchema, selection: selectionSchema.optional(), replaceStep: z.number().int().positive().optional() }),
    result: jobInfoSchema,
  },
  getQuantize: { params: z.strictObject({ jobId: jobIdSchema }), result: z.object({ job: jobInfoSchema, edit: editResultSchema.nullable() }) as z.ZodType<QuantizeResult> },
  /** Per-layer sensitivity of a quantize step as a job; getSensitivity has the report once done. */
  startSensitivity: { params: z.strictObject({ modelId: modelIdSchema, step: z.number().int().positive().optional() }), result: jobInfoSchema },
  getSensitivity: {
    params: z.strictObject({ jobId: jobIdSchema }),
    result: z.object({ job: jobInfoSchema, step: z.number().int().nullable(), report: sensitivityReportSchema.nullable() }) as z.ZodType<SensitivityResult>,
  },
};
