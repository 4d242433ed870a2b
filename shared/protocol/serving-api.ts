import './zod-config.js';
import { z } from 'zod';
import type { JobInfo } from './operations-api.js';
import { jobIdSchema, jobInfoSchema, versionSchema } from './operation-schemas.js';
import { modelIdSchema } from './schemas.js';

// The Backend's part for serving an open model from the app: the service runs `serve-model`'s
// server (KServe v2, dynamic batching, /metrics) on 127.0.0.1 for the document's current state,
// the dashboard polls its figures, and a load test (`onnx-workbench load`'s generator) runs
// against it as a job.

/**
 * Where a request's time goes inside serve-model: reading the body, decoding it into tensors,
 * waiting in the queue, the trip to the runtime host and back without the run (IPC, tensor
 * conversion, batch merge and split), onnxruntime's run, encoding the reply.
 */
export const SERVER_STAGES = ['read', 'decode', 'queue', 'ipc', 'run', 'encode'] as const;
export type ServerStage = (typeof SERVER_STAGES)[number];

/** How the app starts a server (serve-model's options the form sets). */
export interface ServingOptions {
  /** Requests merged into one run at most (1: no batching). */
  maxBatch: number;
  /** How long a request waits for others to batch with. */
  maxDelayMs: number;
  /** Runtime hosts running batches side by side. */
  instances: number;
  /** A port to listen on; null or absent: one the system picks. */
  port?: number | null;
}

/** A running server for an open model. */
export interface ServingInfo {
  modelId: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The model's name on the server (`/v2/models/NAME`) and its version. */
  name: string;
  version: string;
  /** The document state served (`model.onnx (step 2, current)`). */
  label: string;
  options: Required<ServingOptions>;
  /** Whether requests to it can be merged (every input and output has a free first dim). */
  batchable: boolean;
  startedAt: string;
  /** Ready-to-copy command lines: the model's metadata, its metrics, a load test. */
  commands: { curl: string; metrics: string; load: string };
}

export interface HistogramFigures {
  /** Cumulative counts (Prometheus' `le` buckets). */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** The server's figures now (totals since it started; gauges as they are). */
export interface ServingSnapshot {
  time: number;
  uptimeSeconds: number;
  queueDepth: number;
  inFlight: number;
  running: number;
  hostRestarts: number;
  models: Record<string, { requests: Record<string, number>; latency: HistogramFigures; queueTime: HistogramFigures; batchSize: HistogramFigures; stages?: Partial<Record<ServerStage, HistogramFigures>> }>;
}

export interface ServingStatus {
  /** Null when the model is not being served. */
  serving: ServingInfo | null;
  snapshot: ServingSnapshot | null;
}

export interface StartLoadParams {
  modelId: string;
  /** Seconds the test runs. */
  durationS: number;
  /** Clients each sending their next request when the last is answered (closed loop). */
  concurrency: number;
}

/** What `onnx-workbench load --json` writes. */
export interface LoadRunReport {
  schema: 'onnx-workbench.load';
  url: string;
  mode: 'open' | 'closed';
  rps?: number;
  concurrency?: number;
  durationS: number;
  /** Requests sent and answered (or failed) in the run. */
  requests: number;
  ok: number;
  /** Successful answers per second of the run. */
  throughput: number;
  latency: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; meanMs: number };
  /** Failures by kind: `http_<status>`, `timeout`, `connection`. */
  errors: Record<string, number>;
  errorRate: number;
  startedAt: string;
  /** A label for comparisons (the file it was read from, or what the user named it). */
  label?: string;
  /** The server's own time per stage (its Server-Timing headers, answered requests), and `total`: arrival to reply encoded. */
  stages?: Record<string, { meanMs: number; p50Ms: number }>;
}

export interface LoadResult {
  job: JobInfo;
  report: LoadRunReport | null;
}

const count = z.number().int().nonnegative();
/** A figure that may be NaN (percentiles of a run with no answer). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });

export const servingOptionsSchema: z.ZodType<ServingOptions> = z.strictObject({
  maxBatch: z.number().int().min(1).max(1024),
  maxDelayMs: z.number().int().min(0).max(60_000),
  instances: z.number().int().min(1).max(64),
  port: z.number().int().min(0).max(65535).nullable().optional(),
});

const histogramSchema: z.ZodType<HistogramFigures> = z.object({ buckets: z.array(z.object({ le: z.number(), count })), sum: z.number(), count });

export const servingSnapshotSchema: z.ZodType<ServingSnapshot> = z.object({
  time: z.number(),
  uptimeSeconds: z.number(),
  queueDepth: count,
  inFlight: count,
  running: count,
  hostRestarts: count,
  models: z.record(z.string(), z.object({ requests: z.record(z.string(), count), latency: histogramSchema, queueTime: histogramSchema, batchSize: histogramSchema, stages: z.partialRecord(z.enum(SERVER_STAGES), histogramSchema).optional() })),
});

export const servingInfoSchema: z.ZodType<ServingInfo> = z.object({
  modelId: modelIdSchema,
  url: z.string(),
  name: z.string(),
  version: z.string(),
  label: z.string(),
  options: z.object({ maxBatch: count, maxDelayMs: count, instances: count, port: count.nullable() }),
  batchable: z.boolean(),
  startedAt: z.string(),
  commands: z.object({ curl: z.string(), metrics: z.string(), load: z.string() }),
});

export const loadRunReportSchema: z.ZodType<LoadRunReport> = z.object({
  schema: z.literal('onnx-workbench.load'),
  url: z.string(),
  mode: z.enum(['open', 'closed']),
  rps: z.number().optional(),
  concurrency: z.number().optional(),
  durationS: z.number(),
  requests: count,
  ok: count,
  throughput: anyNumber,
  latency: z.object({ p50Ms: anyNumber, p90Ms: anyNumber, p99Ms: anyNumber, maxMs: anyNumber, meanMs: anyNumber }),
  errors: z.record(z.string(), count),
  errorRate: anyNumber,
  startedAt: z.string(),
  label: z.string().optional(),
  stages: z.record(z.string(), z.object({ meanMs: anyNumber, p50Ms: anyNumber })).optional(),
});

export const servingMethods = {
  /** Serves the current state of an open model on 127.0.0.1 (one server per model; a second start is refused). */
  startServing: {
    params: z.strictObject({ modelId: modelIdSchema, version: versionSchema.optional(), options: servingOptionsSchema }),
    result: servingInfoSchema,
  },
  /** Stops a model's server (accepted requests are finished first); false when none ran. */
  stopServing: { params: z.strictObject({ modelId: modelIdSchema }), result: z.object({ stopped: z.boolean() }) },
  /** The server of a model, if any, and its figures now (the dashboard polls it). */
  getServing: { params: z.strictObject({ modelId: modelIdSchema }), result: z.object({ serving: servingInfoSchema.nullable(), snapshot: servingSnapshotSchema.nullable() }) },
  /** A closed-loop load test against the model's server, as a job (progress events, cancelJob). */
  startLoad: {
    params: z.strictObject({ modelId: modelIdSchema, durationS: z.number().positive().max(3600), concurrency: z.number().int().min(1).max(1024) }),
    result: jobInfoSchema,
  },
  /** A load job and, once it is done, its report. */
  getLoad: { params: z.strictObject({ jobId: jobIdSchema }), result: z.object({ job: jobInfoSchema, report: loadRunReportSchema.nullable() }) },
} as const;
