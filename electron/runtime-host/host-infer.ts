// The serving requests of the runtime host: describe a model (its inputs and outputs as
// onnxruntime sees them) and run it on given tensors. Sessions are kept per model and settings,
// so a server's requests pay the load once; a new host after a crash loads them again on demand.

import * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { ortMessage } from '../runtime/ort-session.js';
import type { HostTensor, InferJob, InferResult, ServedModelInfo, ServedValueInfo, SessionSettings } from './host-protocol.js';
import { RunFailure } from './host-measure.js';
import { sessionOptions } from './host-session.js';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * The session options a served model runs with (bench:serve gives its in-process peer the same):
 * onnxruntime's own defaults, intra-op threads spinning briefly after each parallel section.
 * Serving sessions did not spin while every request crossed the server process, whose HTTP work
 * the spinning threads slowed; with direct connections, measured here on 2 cores, spinning
 * answers a lone client 0.5 ms sooner on a 5 ms model, and batched throughput at 16 clients
 * rose by 10–25%.
 */
export function servingSessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return sessionOptions(settings);
}

function sessionFor(path: string, settings: SessionSettings): Promise<ort.InferenceSession> {
  const key = JSON.stringify([path, settings]);
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(path, servingSessionOptions(settings)).catch((e: unknown) => {
      sessions.delete(key);
      throw new WorkbenchError('RUNTIME_REJECTED', `${path}: onnxruntime cannot load it: ${ortMessage(e)}`);
    });
    sessions.set(key, s);
  }
  return s;
}

function valueInfo(m: ort.InferenceSession.ValueMetadata): ServedValueInfo {
  if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: null };
  // onnxruntime gives an empty shape when it is not declared: rank unknown, not a scalar.
  return { name: m.name, type: m.type, shape: m.shape.length ? m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) : null };
}

/** The model's inputs and outputs as the loaded session reports them. */
export async function describeModel(path: string, settings: SessionSettings): Promise<ServedModelInfo> {
  const s = await sessionFor(path, settings);
  return { inputs: s.inputMetadata.map(valueInfo), outputs: s.outputMetadata.map(valueInfo) };
}

let running = 0;
const idleWaiters: (() => void)[] = [];

/** Inferences this host is doing now (a direct connection's request waits for them: direct-host.ts). */
export const runningInfers = (): number => running;

/** Resolves once this host is doing no inference (at once when it does none now). */
export function infersIdle(): Promise<void> {
  return running === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r));
}

/** One run on the given tensors; the outputs asked for (all when none are named). */
export async function infer(job: InferJob): Promise<InferResult> {
  running++;
  try {
    return await inferNow(job);
  } finally {
    running--;
    if (running === 0) for (const w of idleWaiters.splice(0)) w();
  }
}

async function inferNow(job: InferJob): Promise<InferResult> {
  const s = await sessionFor(job.model, job.session);
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of job.inputs) feeds[t.name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
  const t0 = performance.now();
  let out: ort.InferenceSession.ReturnType;
  try {
    out = job.outputs?.length ? await s.run(feeds, [...job.outputs]) : await s.run(feeds);
  } catch (e) {
    throw new RunFailure('RUNTIME_FAILED', `${job.model}: onnxruntime failed to run it: ${ortMessage(e)}`);
  }
  const runMs = performance.now() - t0;
  const outputs: HostTensor[] = Object.entries(out).map(([name, v]) => {
    const t = v as ort.Tensor;
    return { name, type: t.type, dims: [...t.dims], data: t.data as ArrayBufferView | string[] };
  });
  return { outputs, runMs };
}
