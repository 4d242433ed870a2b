import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { LoadRunReport, ServingInfo, ServingOptions, ServingStatus } from '../../shared/protocol/serving-api.js';
import type { OpenedModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { prepareLoadTarget } from '../serving/load-target.js';
import { runLoad } from '../serving/load-test.js';
import { startModelServer, type ModelServer } from '../serving/model-server.js';
import type { JobControl } from './jobs.js';
import type { ModelState } from './profile-job.js';

// Serving open models from the app: serve-model's server (KServe v2, dynamic batching,
// /metrics) started in the service's process on 127.0.0.1, one per document, for the state the
// user chose (the file as opened, or the current state written to a temporary file kept until
// the server stops). onnxruntime runs in the server's own runtime hosts, child processes that
// end with it; the service stops every server when a model closes or the service is disposed.

interface Served {
  server: ModelServer;
  info: ServingInfo;
  /** The temporary folder of the served file (when the state is not the file as opened). */
  dir: string | undefined;
}

/** A model name the server accepts (letters, digits, `_.-`), from the document's file name. */
export function servedName(fileName: string): string {
  const stem = fileName.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
  return stem || 'model';
}

export interface ServeInput {
  modelId: string;
  source: OpenedModel;
  /** The document's file name (the model's name on the server). */
  fileName: string;
  state: ModelState;
  options: ServingOptions;
  tempDir?: string;
}

export class ModelServing {
  private readonly servers = new Map<string, Served>();
  /** Starts in progress, so that a second start waits for the first and is refused. */
  private readonly starting = new Map<string, Promise<ServingInfo>>();

  async start(input: ServeInput): Promise<ServingInfo> {
    const { modelId } = input;
    if (this.servers.has(modelId) || this.starting.has(modelId)) {
      throw new WorkbenchError('ALREADY_SERVING', `${input.fileName} is already being served${this.servers.get(modelId) ? ` at ${this.servers.get(modelId)!.info.url}` : ''}; stop it first`);
    }
    const started = this.launch(input);
    this.starting.set(modelId, started);
    try {
      return await started;
    } finally {
      this.starting.delete(modelId);
    }
  }

  private async launch(input: ServeInput): Promise<ServingInfo> {
    const dir = input.state.snapshot ? await mkdtemp(join(input.tempDir ?? tmpdir(), 'owb-serve-')) : undefined;
    try {
      let path = input.source.path;
      if (dir && input.state.snapshot) {
        path = join(dir, 'served.onnx');
        await saveModel(input.state.snapshot, path, { source: input.source });
      }
      const name = servedName(input.fileName);
      const o = input.options;
      const server = await startModelServer({
        models: [{ name, version: '1', path }],
        host: '127.0.0.1',
        port: o.port ?? 0,
        maxBatch: o.maxBatch,
        maxDelayMs: o.maxDelayMs,
        instances: o.instances,
        // The app shows the figures; the JSON-line request log has no reader here.
        log: () => undefined,
      });
      const model = server.models[0]!;
      const info: ServingInfo = {
        modelId: input.modelId,
        url: server.url,
        name,
        version: model.version,
        label: input.state.label,
        options: { maxBatch: o.maxBatch, maxDelayMs: o.maxDelayMs, instances: o.instances, port: o.port ?? null },
        batchable: model.batchable,
        startedAt: new Date().toISOString(),
        commands: {
          curl: `curl -s ${server.url}/v2/models/${name}`,
          metrics: `curl -s ${server.url}/metrics`,
          load: `onnx-workbench load ${server.url} --model ${name} --concurrency 8 --duration 10`,
        },
      };
      this.servers.set(input.modelId, { server, info, dir });
      return info;
    } catch (e) {
      if (dir) await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  status(modelId: string): ServingStatus {
    const s = this.servers.get(modelId);
    return s ? { serving: s.info, snapshot: s.server.snapshot() } : { serving: null, snapshot: null };
  }

  /** Stops a model's server (requests accepted are finished, up to graceMs) and removes its file; false when none ran. */
  async stop(modelId: string, graceMs = 5000): Promise<boolean> {
    await this.starting.get(modelId)?.catch(() => undefined);
    const s = this.servers.get(modelId);
    if (!s) return false;
    this.servers.delete(modelId);
    try {
      await s.server.close(graceMs);
    } finally {
      if (s.dir) await rm(s.dir, { recursive: true, force: true });
    }
    return true;
  }

  async stopAll(graceMs = 2000): Promise<void> {
    const ids = new Set([...this.servers.keys(), ...this.starting.keys()]);
    await Promise.all([...ids].map((id) => this.stop(id, graceMs).catch(() => false)));
  }

  /** The server a load test targets (refused when the model is not being served). */
  info(modelId: string, fileName: string): ServingInfo {
    const s = this.servers.get(modelId);
    if (!s) throw new WorkbenchError('NOT_SERVING', `${fileName} is not being served; start serving it first`);
    return s.info;
  }
}

/** `onnx-workbench load`'s closed-loop generator against a server the app started, as a job. */
export async function loadJob(info: ServingInfo, durationS: number, concurrency: number, control: JobControl): Promise<LoadRunReport> {
  control.progress(0, durationS, `asking ${info.url} for ${info.name}'s inputs`);
  const target = await prepareLoadTarget({ base: info.url, model: info.name, version: info.version, headers: {} });
  control.signal.throwIfAborted();
  const report = await runLoad({
    url: target.inferUrl,
    body: target.body,
    headers: target.headers,
    concurrency,
    durationS,
    timeoutMs: 30_000,
    signal: control.signal,
    onProgress: (done, s) => control.progress(Math.min(durationS, s), durationS, `${done} requests in ${s.toFixed(0)} s`),
  });
  control.signal.throwIfAborted();
  return { ...report, label: `${concurrency} clients, ${durationS} s` };
}
