// `export-serving`: a Triton model repository for the model (config.pbtxt with its inputs and
// outputs, the onnxruntime backend, the execution provider, and dynamic batching from the best
// measured batch size), and for KServe an InferenceService manifest that serves it.

import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { openModel } from '../io/open-model.js';
import { writeText } from '../profile/report-files.js';
import type { SessionSettings } from '../runtime-host/host-protocol.js';
import { HostFailure } from '../runtime-host/runtime-host.js';
import { BatchScheduler } from './batch-scheduler.js';
import { ServingError } from './serving-error.js';
import { chooseBatchSize, type BatchChoice } from './batch-sizing.js';
import { kserveManifest } from './kserve-manifest.js';
import { describeModels } from './model-catalog.js';
import { tritonConfig } from './triton-config.js';

export interface ExportServingOptions {
  model: string;
  format: 'triton' | 'kserve';
  outDir: string;
  name: string;
  version: string;
  session: SessionSettings;
  instances: number;
  /** Given: used as is; else measured (batchable models only). */
  maxBatch?: number;
  maxDelayMs?: number;
  /** Batch sizes to measure. */
  sizes: number[];
  runs: number;
  storageUri: string;
}

export interface ExportResult {
  files: string[];
  choice?: BatchChoice;
  batchable: boolean;
}

export async function exportServing(o: ExportServingOptions): Promise<ExportResult> {
  const opened = await openModel(o.model);
  const modelDir = join(o.outDir, o.name, o.version);
  const target = join(modelDir, 'model.onnx');
  if (resolve(target) === resolve(o.model)) throw new WorkbenchError('BAD_OPTION', `-o ${o.outDir}: the export would overwrite the model itself`);
  const scheduler = new BatchScheduler({ instances: 1, maxBatch: 1, maxDelayMs: 0, maxQueue: 4, timeoutMs: 300_000 });
  let choice: BatchChoice | undefined;
  let model;
  try {
    [model] = await describeModels(scheduler, [{ name: o.name, version: o.version, path: o.model }], o.session);
    if (model!.batchable && o.maxBatch === undefined) choice = await chooseBatchSize(scheduler, model!, o.sizes, o.runs);
  } catch (e) {
    // A run that failed in the host (a crash, a timeout) is a failed check, not the user's input.
    if (e instanceof ServingError) throw new HostFailure('MEASURE_FAILED', `measuring batch sizes failed: ${e.message}`);
    throw e;
  } finally {
    scheduler.close();
  }
  const m = model!;
  const maxBatchSize = !m.batchable ? 0 : (o.maxBatch ?? choice!.preferred);
  const config = tritonConfig({
    name: o.name,
    inputs: m.inputs,
    outputs: m.outputs,
    maxBatchSize,
    preferredBatchSizes: [maxBatchSize],
    maxQueueDelayMicroseconds: o.maxDelayMs !== undefined ? Math.round(o.maxDelayMs * 1000) : (choice?.maxQueueDelayMicroseconds ?? 1000),
    provider: o.session.provider,
    instances: o.instances,
  });
  await mkdir(modelDir, { recursive: true });
  const files: string[] = [];
  const configPath = join(o.outDir, o.name, 'config.pbtxt');
  await writeText(configPath, config);
  files.push(configPath);
  await copyFile(o.model, target);
  files.push(target);
  // External data goes where the model's locations say, relative to model.onnx.
  for (const f of opened.external.list) {
    const to = join(modelDir, f.location);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(f.path, to);
    files.push(to);
  }
  if (o.format === 'kserve') {
    const manifest = join(o.outDir, 'inference-service.yaml');
    await writeText(manifest, kserveManifest({ name: o.name, storageUri: o.storageUri, provider: o.session.provider }));
    files.push(manifest);
  }
  return { files, ...(choice ? { choice } : {}), batchable: m.batchable };
}
