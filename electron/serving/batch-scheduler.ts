// The queue between HTTP requests and the runtime hosts: requests wait here, are merged along
// the batch dim (up to maxBatch rows, waiting at most maxDelayMs for more), run on the first free
// host instance and split back. A host that dies fails only the batch it was running (503); its
// next request starts a new host, which is warmed at once with the models' sessions.

import { WorkbenchError } from '../../shared/errors.js';
import type { HostLauncher } from '../runtime-host/host-channel.js';
import type { HostTensor, InferResult, ServedModelInfo, SessionSettings } from '../runtime-host/host-protocol.js';
import { HostFailure, RuntimeHost } from '../runtime-host/runtime-host.js';
import type { ServedModel } from './served-model.js';
import { ServingError } from './serving-error.js';
import { mergeInputs, rowShapeKey, splitOutputs } from './tensor-batch.js';

export interface SchedulerOptions {
  instances: number;
  /** Rows merged into one run at most (1: no batching). */
  maxBatch: number;
  maxDelayMs: number;
  /** Requests waiting at most; more get 429. */
  maxQueue: number;
  /** From arrival to answer; a run past it ends its host (504). */
  timeoutMs: number;
  /** How each instance starts its host (tests inject faults here). */
  launcher?: (instance: number) => HostLauncher | undefined;
}

export interface RunOutcome {
  outputs: HostTensor[];
  queueMs: number;
  /** onnxruntime's run inside the host. */
  runMs: number;
  batchSize: number;
}

interface Job {
  model: ServedModel;
  inputs: HostTensor[];
  rows: number;
  key: string;
  mergeable: boolean;
  enqueued: number;
  timer: NodeJS.Timeout;
  resolve(r: RunOutcome): void;
  reject(e: Error): void;
}

interface Instance {
  host: RuntimeHost;
  busy: boolean;
}

/** A failure in the host as the HTTP status the client gets. */
function servingFailure(e: unknown): Error {
  if (e instanceof ServingError) return e;
  if (e instanceof HostFailure) {
    if (e.code === 'HOST_CRASHED') return new ServingError(503, `${e.message}`, { 'retry-after': '1' });
    if (e.code === 'HOST_TIMEOUT') return new ServingError(504, e.message);
    return new ServingError(500, e.message);
  }
  if (e instanceof WorkbenchError) return new ServingError(400, e.message);
  return new ServingError(500, e instanceof Error ? e.message : String(e));
}

/** The host died or was ended (crash, out of memory, no answer in time). */
function hostEnded(e: unknown): boolean {
  return e instanceof HostFailure && (e.code === 'HOST_CRASHED' || e.code === 'HOST_TIMEOUT');
}

export class BatchScheduler {
  private readonly instances: Instance[];
  private readonly queue: Job[] = [];
  private delayTimer: NodeJS.Timeout | undefined;
  private models: ServedModel[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** Called after each run with the model's name and how many requests it merged. */
  onBatch: (model: string, size: number) => void = () => undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.instances = Array.from({ length: Math.max(1, options.instances) }, (_, i) => {
      const launcher = options.launcher?.(i);
      return { host: new RuntimeHost({ ...(launcher ? { launcher } : {}), idleTimeoutMs: options.timeoutMs }), busy: false };
    });
  }

  /** Loads a model in every instance; the first instance's answer is its inputs and outputs. */
  async describe(path: string, session: SessionSettings): Promise<ServedModelInfo> {
    const all = await Promise.all(this.instances.map((i) => i.host.request<ServedModelInfo>({ kind: 'describe', model: path, session }, { idleTimeoutMs: Math.max(this.options.timeoutMs, 120_000) })));
    return all[0]!;
  }

  /** The models whose sessions a new host loads before its first request. */
  setModels(models: ServedModel[]): void {
    this.models = models;
  }

  /** Each instance's runtime host. */
  get hosts(): RuntimeHost[] {
    return this.instances.map((i) => i.host);
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** Batches running in hosts now. */
  get runningBatches(): number {
    return this.running;
  }

  /** Hosts started again after one ended. */
  get restarts(): number {
    return this.instances.reduce((a, i) => a + Math.max(0, i.host.started - 1), 0);
  }

  /** Queues one request; `mergeable` false runs it on its own (stream chunks). */
  submit(model: ServedModel, inputs: HostTensor[], rows: number, mergeable = true): Promise<RunOutcome> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new ServingError(429, `the queue is full (${this.options.maxQueue} requests waiting); try again shortly`, { 'retry-after': '1' }));
    }
    return new Promise<RunOutcome>((resolve, reject) => {
      const job: Job = {
        model,
        inputs,
        rows,
        key: rowShapeKey(inputs),
        mergeable: mergeable && model.batchable && this.options.maxBatch > 1,
        enqueued: performance.now(),
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.queue.indexOf(job);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(new ServingError(504, `the request waited ${this.options.timeoutMs} ms in the queue without running`));
        }, this.options.timeoutMs),
      };
      this.queue.push(job);
      this.pump();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.queue.length && !this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  close(): void {
    clearTimeout(this.delayTimer);
    for (const j of this.queue.splice(0)) {
      clearTimeout(j.timer);
      j.reject(new ServingError(503, 'the server is shutting down'));
    }
    for (const i of this.instances) i.host.close();
  }

  private pump(): void {
    clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    while (this.queue.length) {
      const free = this.instances.find((i) => !i.busy);
      if (!free) return;
      const head = this.queue[0]!;
      const chosen: Job[] = [head];
      if (head.mergeable) {
        let rows = head.rows;
        for (const j of this.queue.slice(1)) {
          if (rows >= this.options.maxBatch) break;
          if (j.model === head.model && j.mergeable && j.key === head.key && rows + j.rows <= this.options.maxBatch) {
            chosen.push(j);
            rows += j.rows;
          }
        }
        const waited = performance.now() - head.enqueued;
        if (rows < this.options.maxBatch && waited < this.options.maxDelayMs) {
          this.delayTimer = setTimeout(() => this.pump(), this.options.maxDelayMs - waited);
          return;
        }
      }
      for (const j of chosen) {
        this.queue.splice(this.queue.indexOf(j), 1);
        clearTimeout(j.timer);
      }
      void this.run(free, chosen);
    }
  }

  private async run(instance: Instance, jobs: Job[]): Promise<void> {
    instance.busy = true;
    this.running++;
    try {
      await this.runOnce(instance, jobs);
    } catch (e) {
      if (jobs.length > 1 && !hostEnded(e)) {
        // onnxruntime refused the merged batch: one request in it may be the cause (an index out
        // of range, say). Each runs alone, so that only a bad one fails. Not after a crash or a
        // timeout: those fail what was in flight (503/504), and a retry could crash the host again.
        for (const j of jobs) await this.runOnce(instance, [j]).catch((e1: unknown) => this.fail(instance, [j], e1));
      } else this.fail(instance, jobs, e);
    } finally {
      instance.busy = false;
      this.running--;
      this.pump();
      if (!this.queue.length && !this.running) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Runs the jobs as one batch and answers each; throws when the run or the split fails. */
  private async runOnce(instance: Instance, jobs: Job[]): Promise<void> {
    const model = jobs[0]!.model;
    const started = performance.now();
    const inputs = jobs.length > 1 ? mergeInputs(jobs.map((j) => j.inputs)) : jobs[0]!.inputs;
    const r = await instance.host.request<InferResult>({ kind: 'infer', job: { model: model.path, session: model.session, inputs } });
    const parts = jobs.length > 1 ? splitOutputs(r.outputs, jobs.map((j) => j.rows)) : [r.outputs];
    if (!parts) throw new ServingError(500, `model '${model.name}': an output's first dim is not the batch's rows, so the batch cannot be split (serve it with --max-batch 1)`);
    this.onBatch(model.name, jobs.length);
    jobs.forEach((j, k) => j.resolve({ outputs: parts[k]!, queueMs: started - j.enqueued, runMs: r.runMs, batchSize: jobs.length }));
  }

  private fail(instance: Instance, jobs: Job[], e: unknown): void {
    const failure = servingFailure(e);
    for (const j of jobs) j.reject(failure);
    if (hostEnded(e)) this.warm(instance);
  }

  // A new host loads the sessions now rather than on the next request (queued before it in the host's order).
  private warm(instance: Instance): void {
    for (const m of this.models) instance.host.request({ kind: 'describe', model: m.path, session: m.session }).catch(() => undefined);
  }
}
