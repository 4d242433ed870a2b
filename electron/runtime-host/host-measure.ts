// The measuring job of the runtime host: for each model a plain session and a profiled one,
// warm-up runs, then measured runs interleaved across sessions and models so that drift (other
// processes, clock changes, heat) falls on all of them alike.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { ortMessage } from '../runtime/ort-session.js';
import { generateOrtInputs } from '../runtime/ort-tensors.js';
import type { HostTensor, MeasuredModel, MeasureJob, MeasureModel, MeasureResult } from './host-protocol.js';
import { sessionOptions, type SessionFiles } from './host-session.js';

export interface JobContext {
  step(step: string, model?: string): void;
  progress(done: number, total: number, step: string, model?: string): void;
  cancelled(): boolean;
  /** Test-only fault injection point (see HOST_FAULT_ENV). */
  fault(): void;
}

/** A failure of the run itself (not of the input): the CLI exits 1 on these. */
export class RunFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Prepared {
  model: MeasureModel;
  plain: ort.InferenceSession;
  profiled: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
  prefix: string;
  optimized: string | null;
  plainMs: number[];
  profiledMs: number[];
  outputs: HostTensor[];
}

function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

function toHost(name: string, t: ort.Tensor): HostTensor {
  return { name, type: t.type, dims: [...t.dims], data: t.data as ArrayBufferView | string[] };
}

async function createSession(m: MeasureModel, job: MeasureJob, files: SessionFiles): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(m.path, sessionOptions(job.session, files));
  } catch (e) {
    throw new WorkbenchError('RUNTIME_REJECTED', `${m.label}: onnxruntime cannot load it: ${ortMessage(e)}`);
  }
}

async function run(p: Prepared, session: ort.InferenceSession): Promise<{ ms: number; out: ort.InferenceSession.ReturnType }> {
  const t0 = performance.now();
  try {
    const out = await session.run(p.feeds);
    return { ms: performance.now() - t0, out };
  } catch (e) {
    throw new RunFailure('RUNTIME_FAILED', `${p.model.label}: onnxruntime failed to run it: ${ortMessage(e)}`);
  }
}

function feedsFor(m: MeasureModel, session: ort.InferenceSession, all: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const t = all[name];
    if (!t) throw new WorkbenchError('MISSING_INPUT', `${m.label}: needs input '${name}', which was neither given nor generated`);
    feeds[name] = t;
  }
  return feeds;
}

async function traceFile(dir: string, prefix: string): Promise<string> {
  const base = prefix.slice(dir.length + 1);
  const found = (await readdir(dir)).filter((f) => f.startsWith(`${base}_`) && f.endsWith('.json')).sort();
  if (!found.length) throw new RunFailure('NO_TRACE', `onnxruntime wrote no profile for ${prefix}`);
  return join(dir, found[found.length - 1]!);
}

async function prepare(job: MeasureJob, ctx: JobContext, all: Record<string, ort.Tensor>, opened: Prepared[]): Promise<void> {
  for (const [i, m] of job.models.entries()) {
    ctx.step('creating the sessions', m.label);
    const prefix = join(job.workDir, `m${i}`);
    const optimized = job.session.optimization === 'disabled' ? null : join(job.workDir, `m${i}.optimized.onnx`);
    const plain = await createSession(m, job, {});
    const p: Prepared = { model: m, plain, profiled: plain, feeds: {}, prefix, optimized, plainMs: [], profiledMs: [], outputs: [] };
    opened.push(p);
    p.profiled = await createSession(m, job, { profilePrefix: prefix, ...(optimized ? { optimizedModelPath: optimized } : {}) });
    p.feeds = feedsFor(m, plain, all);
  }
}

/** Runs the job; sessions are released whatever happens. */
export async function measure(job: MeasureJob, ctx: JobContext): Promise<MeasureResult> {
  const all: Record<string, ort.Tensor> = { ...generateOrtInputs(job.inputs.generate, job.inputs.seed) };
  for (const t of job.inputs.given) all[t.name] = toOrt(t);
  const ps: Prepared[] = [];
  try {
    await prepare(job, ctx, all, ps);
    ctx.step('warming up', ps[0]?.model.label);
    ctx.fault();
    const total = (job.warmup + job.runs) * ps.length;
    let done = 0;
    for (let r = 0; r < job.warmup + job.runs; r++) {
      const measured = r >= job.warmup;
      const step = measured ? 'measuring' : 'warming up';
      // Alternate who goes first, so that neither model nor session always runs on a warmer cache.
      const order = r % 2 === 0 ? ps : [...ps].reverse();
      for (const p of order) {
        if (ctx.cancelled()) throw new RunFailure('CANCELLED', `cancelled while ${step} ${p.model.label}`);
        ctx.step(step, p.model.label);
        const [first, second] = r % 2 === 0 ? [p.plain, p.profiled] : [p.profiled, p.plain];
        const a = await run(p, first);
        const b = await run(p, second);
        const plain = first === p.plain ? a : b;
        const profiled = first === p.plain ? b : a;
        if (measured) {
          p.plainMs.push(plain.ms);
          p.profiledMs.push(profiled.ms);
          if (job.fetchOutputs && !p.outputs.length) p.outputs = Object.entries(plain.out).map(([k, t]) => toHost(k, t));
        }
        ctx.progress(++done, total, step, p.model.label);
      }
    }
    const models: MeasuredModel[] = [];
    for (const p of ps) {
      ctx.step('writing the profile', p.model.label);
      p.profiled.endProfiling();
      models.push({ plainMs: p.plainMs, profiledMs: p.profiledMs, traceFile: await traceFile(job.workDir, p.prefix), optimizedModel: p.optimized, outputs: p.outputs });
    }
    return { models, onnxruntimeVersion: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown' };
  } finally {
    for (const p of ps) {
      await p.plain.release().catch(() => undefined);
      if (p.profiled !== p.plain) await p.profiled.release().catch(() => undefined);
    }
  }
}
