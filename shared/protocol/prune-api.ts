import './zod-config.js';
import { z } from 'zod';
import type { EditResult, JobInfo } from './operations-api.js';
import { editResultSchema, jobIdSchema, jobInfoSchema, selectionSchema, versionSchema } from './operation-schemas.js';
import { modelIdSchema } from './schemas.js';

// The Backend's part for pruning an open model: the coupled channel groups with their norms (the
// prune-channels dry run's details, with node ids for the graph), and a job that prunes, recovers
// on calibration data and measures the step (parameters, size, latency, output error), as
// `onnx-workbench prune` does.

export const PRUNE_METHODS = ['channels', 'magnitude', '2:4'] as const;

export interface PruneSettings {
  /** channels: structured (prune-channels, the model shrinks); magnitude / 2:4: zeros (prune-magnitude). */
  method: (typeof PRUNE_METHODS)[number];
  /** Structured: which channels go; 'reconstruction' ranks them on the calibration samples (what a refit of the layers reading them cannot recover). */
  criterion: 'l1' | 'l2' | 'reconstruction';
  sparsity: number;
  /** Channels picked by the user, by source node name (structured only; other groups left alone). */
  channels?: Record<string, number[]>;
  recover: boolean;
  /** Calibration samples of the recovery and of criterion 'reconstruction': the model's verification inputs, or generated. */
  calibration: 'settings' | 'generated';
  samples: number;
  /** Timed runs of each state for the latency. */
  runs: number;
  /** Structured: prune the residual stream (hidden size) too; sparsity is then the fraction of parameters removed (unless `budget` says otherwise). */
  hidden?: boolean;
  /** Structured: what sparsity is a fraction of (each group's channels, or the model's parameters). */
  budget?: 'channels' | 'parameters';
}

export const DEFAULT_PRUNE_SETTINGS: PruneSettings = { method: 'channels', criterion: 'l1', sparsity: 0.5, recover: true, calibration: 'generated', samples: 8, runs: 20 };

/** One coupled group as the app shows it. */
export interface AppChannelGroup {
  sources: { name: string; id: number }[];
  size: number;
  /** Per-channel importance (empty for an unsafe group). */
  norms: number[];
  consumers: { name: string; id: number }[];
  unsafe: { node: string; id: number | null; reason: string } | null;
  /** Channels per head when the group's units are attention heads (size and norms are then per head). */
  headSize?: number;
  /** A residual stream's (with `hidden`): the node normalizing over its channels; pruning them is not function-preserving. */
  normalizedBy?: string;
}

export interface PruneGroups {
  version: number;
  criterion: 'l1' | 'l2';
  groups: AppChannelGroup[];
}

export interface StartPruneParams {
  modelId: string;
  version?: number;
  settings: PruneSettings;
  /** Node ids; absent: the whole model. */
  selection?: number[];
}

export interface PruneResult {
  job: JobInfo;
  edit: EditResult | null;
}

export const pruneSettingsSchema: z.ZodType<PruneSettings> = z.strictObject({
  method: z.enum(PRUNE_METHODS),
  criterion: z.enum(['l1', 'l2', 'reconstruction']),
  sparsity: z.number().min(0).max(0.95),
  channels: z.record(z.string().min(1).max(1000), z.array(z.number().int().min(0)).max(1_000_000)).optional(),
  recover: z.boolean(),
  calibration: z.enum(['settings', 'generated']),
  samples: z.number().int().min(1).max(10_000),
  runs: z.number().int().min(1).max(10_000),
  hidden: z.boolean().optional(),
  budget: z.enum(['channels', 'parameters']).optional(),
});

const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const named = z.object({ name: z.string(), id: z.number().int() });

const groupsSchema: z.ZodType<PruneGroups> = z.object({
  version: versionSchema,
  criterion: z.enum(['l1', 'l2']),
  groups: z.array(
    z.object({
      sources: z.array(named),
      size: z.number().int().nonnegative(),
      norms: z.array(anyNumber),
      consumers: z.array(named),
      unsafe: z.object({ node: z.string(), id: z.number().int().nullable(), reason: z.string() }).nullable(),
      headSize: z.number().int().positive().optional(),
      normalizedBy: z.string().optional(),
    }),
  ),
});

/** Rows of the API table (methods.ts) for pruning. */
export const pruneMethods = {
  /** Every coupled channel group of the model with its channel norms (a dry run: the model is left as it is). */
  getPruneGroups: { params: z.strictObject({ modelId: modelIdSchema, criterion: z.enum(['l1', 'l2']), hidden: z.boolean().optional() }), result: groupsSchema },
  /** The prune settings last used on this model (remembered per model, as verification settings are), or the defaults. */
  getPruneSettings: { params: z.strictObject({ modelId: modelIdSchema }), result: pruneSettingsSchema },
  /** Prunes (and recovers) as a job (progress events, cancelJob); getPrune has the edit once done. */
  startPrune: {
    params: z.strictObject({ modelId: modelIdSchema, version: versionSchema.optional(), settings: pruneSettingsSchema, selection: selectionSchema.optional() }),
    result: jobInfoSchema,
  },
  getPrune: { params: z.strictObject({ jobId: jobIdSchema }), result: z.object({ job: jobInfoSchema, edit: editResultSchema.nullable() }) as z.ZodType<PruneResult> },
};
