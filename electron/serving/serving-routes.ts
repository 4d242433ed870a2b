// The endpoints: KServe v2 (health, server and model metadata, readiness, infer), and this
// server's additions in the same style: async jobs, streams (server-sent events) and metrics.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import type { AsyncJobs } from './async-jobs.js';
import type { BatchScheduler, RunOutcome } from './batch-scheduler.js';
import { v2TypeOf } from './datatypes.js';
import { readBody } from './http-body.js';
import { HEADER_LENGTH, parseInferRequest, type InferRequest } from './infer-request.js';
import { encodeInferResponse, type EncodedResponse } from './infer-response.js';
import type { JsonLog } from './json-log.js';
import type { ServerMetrics } from './metrics.js';
import type { ServedModel } from './served-model.js';
import { ServingError } from './serving-error.js';
import { StageClock } from './stage-timings.js';
import type { StreamStore } from './streams.js';

export interface ServerContext {
  models: ServedModel[];
  scheduler: BatchScheduler;
  metrics: ServerMetrics;
  log: JsonLog;
  jobs: AsyncJobs;
  streams: StreamStore;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
}

export interface Routed {
  status: number;
  model?: string;
}

const SERVER_VERSION = '0.1.0';
const EXTENSIONS = ['binary_tensor_data', 'async_infer', 'streaming', 'metrics'];

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): Routed {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
  return { status };
}

export function sendEncoded(res: ServerResponse, r: EncodedResponse, model: string, clock?: StageClock): Routed {
  res.writeHead(200, { ...r.headers, 'content-length': r.length, ...(clock ? { 'server-timing': clock.header() } : {}) });
  writeParts(res, r.parts);
  return { status: 200, model };
}

/** Ends a node:http response with the body's parts, in one write when there are several. */
function writeParts(res: ServerResponse, parts: readonly Buffer[]): void {
  if (parts.length === 1) {
    res.end(parts[0]);
    return;
  }
  res.cork();
  for (const p of parts) res.write(p);
  res.end();
  res.uncork();
}

function method(req: IncomingMessage, ...allowed: string[]): void {
  if (!allowed.includes(req.method ?? '')) throw new ServingError(405, `${req.method} is not allowed here (use ${allowed.join(' or ')})`, { allow: allowed.join(', ') });
}

/** The model a path names, the latest version given when none is named. */
export function findModel<M extends ServedModel>(models: readonly M[], name: string, version: string | undefined): M {
  const all = models.filter((m) => m.name === name);
  if (!all.length) throw new ServingError(404, `no model named '${name}' (served: ${[...new Set(models.map((m) => m.name))].join(', ')})`);
  if (version === undefined) return all[all.length - 1]!;
  const m = all.find((x) => x.version === version);
  if (!m) throw new ServingError(404, `model '${name}' has no version '${version}' (versions: ${all.map((x) => x.version).join(', ')})`);
  return m;
}

function metadata(models: readonly ServedModel[], m: ServedModel): unknown {
  const io = (v: ServedModel['inputs'][number]) => ({ name: v.name, datatype: v2TypeOf(v.type) ?? v.type, shape: (v.shape ?? [-1]).map((d) => d ?? -1) });
  return {
    name: m.name,
    versions: models.filter((x) => x.name === m.name).map((x) => x.version),
    platform: 'onnxruntime_onnx',
    inputs: m.inputs.map(io),
    outputs: m.outputs.map(io),
    parameters: { batchable: m.batchable, state: m.state },
  };
}

async function inferBody(ctx: ServerContext, req: IncomingMessage, m: ServedModel, clock: StageClock, optional?: ReadonlySet<string>) {
  method(req, 'POST');
  const body = await readBody(req, ctx.maxBodyBytes, ctx.bodyTimeoutMs);
  clock.lap('read');
  const header = req.headers[HEADER_LENGTH];
  const parsed = parseInferRequest(body, typeof header === 'string' ? header : undefined, m, optional);
  clock.lap('decode');
  return parsed;
}

async function runInfer(ctx: ServerContext, m: ServedModel, inputs: HostTensor[], rows: number, mergeable: boolean, clock: StageClock) {
  const r = await ctx.scheduler.submit(m, inputs, rows, mergeable);
  // What the queue and onnxruntime do not account for is the way to the host and back.
  clock.lap('ipc');
  clock.move('ipc', 'queue', r.queueMs);
  clock.move('ipc', 'run', r.runMs);
  ctx.metrics.queued(m.name, r.queueMs / 1000);
  return r;
}

/** The answer to an inference, with how it ran (KServe v2 response parameters). */
export function encodeAnswer(m: ServedModel, r: InferRequest, out: RunOutcome): EncodedResponse {
  return encodeInferResponse(m, r.id, out.outputs, r.outputs, r.binaryOutputs, { parameters: { batch_size: out.batchSize, queue_ms: round(out.queueMs), run_ms: round(out.runMs) } });
}

async function infer(ctx: ServerContext, r: InferRequest, m: ServedModel, clock: StageClock): Promise<EncodedResponse> {
  const out = await runInfer(ctx, m, r.inputs, r.rows, true, clock);
  const encoded = encodeAnswer(m, r, out);
  clock.lap('encode');
  ctx.metrics.stages(m.name, clock.ms);
  return encoded;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.flushHeaders();
}

async function streamRoute(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, m: ServedModel, parts: string[], clock: StageClock): Promise<Routed> {
  const [id, action] = parts;
  if (id === undefined) {
    method(req, 'POST');
    const s = ctx.streams.create(m);
    ctx.log.write('stream-open', { stream: s.id, model: m.name });
    return { ...sendJson(res, 201, { id: s.id, model_name: m.name, model_version: m.version, state: m.state }), model: m.name };
  }
  const s = ctx.streams.get(id);
  if (!s || s.model !== m) throw Object.assign(new ServingError(404, `no stream '${id}' of model '${m.name}' (streams end after a while idle)`), { model: m.name });
  if (action === undefined && req.method === 'DELETE') {
    ctx.streams.end(s);
    return { ...sendJson(res, 200, { id, chunks: s.sequence }), model: m.name };
  }
  if (action === undefined) {
    method(req, 'GET', 'DELETE');
    sse(res);
    s.listeners.add(res);
    res.write(`event: open\ndata: ${JSON.stringify({ id, chunks: s.sequence })}\n\n`);
    await new Promise<void>((resolve) => res.once('close', () => resolve()));
    s.listeners.delete(res);
    return { status: 200 };
  }
  if (action !== 'infer') throw new ServingError(404, `no endpoint '${action}' under a stream`);
  // State inputs are the server's to give; a client may still send them (to start from a state of its own).
  const r = await inferBody(ctx, req, m, clock, new Set(Object.keys(m.state)));
  const run = s.tail.then(async () => {
    // Waiting for the stream's previous chunk is queueing too.
    clock.lap('queue');
    const out = await runInfer(ctx, m, ctx.streams.feeds(s, r.inputs), r.rows, false, clock);
    const sequence = s.sequence;
    const names = r.outputs.length ? r.outputs : m.outputs.map((o) => o.name);
    const encoded = encodeInferResponse(m, r.id, out.outputs, names, r.binaryOutputs, { parameters: { stream: s.id, sequence } });
    ctx.streams.advance(s, out.outputs, JSON.parse(encodeInferResponse(m, r.id, out.outputs, names, new Set(), { parameters: { stream: s.id, sequence } }).parts[0]!.toString()));
    clock.lap('encode');
    ctx.metrics.stages(m.name, clock.ms);
    return encoded;
  });
  s.tail = run.catch((e: ServingError) => ctx.streams.publish(s, 'error', { error: e.message }));
  return sendEncoded(res, await run, m.name, clock);
}

/**
 * The answers that depend only on the models served and on shutdown: health, server and model
 * metadata, readiness (a runtime host gives them on a direct connection too). Undefined for other
 * paths; a ServingError (404) for an unknown model or version.
 */
export function fixedAnswer(models: readonly ServedModel[], p: string, draining: boolean): { status: number; value: unknown } | undefined {
  if (p === '/v2/health/live') return { status: 200, value: { live: true } };
  if (p === '/v2/health/ready') return { status: draining ? 503 : 200, value: { ready: !draining } };
  if (p === '/v2') return { status: 200, value: { name: 'onnx-workbench', version: SERVER_VERSION, extensions: EXTENSIONS } };
  if (p === '/v2/models') return { status: 200, value: { models: models.map((m) => ({ name: m.name, version: m.version, state: 'READY' })) } };
  const mp = modelPath(p);
  if (!mp || (mp.rest !== '' && mp.rest !== 'ready')) return undefined;
  const m = findModel(models, mp.name, mp.version);
  return mp.rest === '' ? { status: 200, value: metadata(models, m) } : { status: draining ? 503 : 200, value: { name: m.name, ready: !draining } };
}

/** `/v2/models/NAME[/versions/V][/REST]` (no trailing slash) split up, or undefined for other paths. */
export function modelPath(p: string): { name: string; version: string | undefined; rest: string } | undefined {
  const mm = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(.*))?$/.exec(p);
  if (!mm) return undefined;
  return { name: decodeURIComponent(mm[1]!), version: mm[2] !== undefined ? decodeURIComponent(mm[2]) : undefined, rest: mm[3] ?? '' };
}

/** Answers one request; throws ServingError for refusals. */
export async function routeRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, draining: boolean): Promise<Routed> {
  const clock = new StageClock();
  const p = url.pathname.replace(/\/+$/, '');
  const fixed = fixedAnswer(ctx.models, p, draining);
  if (fixed) return sendJson(res, fixed.status, fixed.value);
  if (p === '/metrics') {
    method(req, 'GET');
    const body = ctx.metrics.prometheus();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return { status: 200 };
  }
  if (p === '/v2/metrics/snapshot') return sendJson(res, 200, ctx.metrics.snapshot());
  const job = /^\/v2\/jobs\/([^/]+)$/.exec(p);
  if (job) {
    const j = ctx.jobs.get(decodeURIComponent(job[1]!));
    if (!j) throw new ServingError(404, `no job '${job[1]}' (results are kept for a limited time)`);
    if (req.method === 'DELETE') {
      ctx.jobs.delete(j.id);
      return sendJson(res, 200, { id: j.id, deleted: true });
    }
    method(req, 'GET');
    const wait = Math.min(Number(url.searchParams.get('wait_ms') ?? 0) || 0, 60_000);
    await ctx.jobs.wait(j, wait);
    if (j.finished === undefined) return sendJson(res, 202, { id: j.id, status: 'pending' });
    if (j.error) return sendJson(res, j.error.status, { id: j.id, status: 'failed', error: j.error.message });
    return sendEncoded(res, j.response!, j.model);
  }
  const mp = modelPath(p);
  if (!mp) throw new ServingError(404, `no endpoint ${p} (KServe v2: /v2/health/live, /v2/health/ready, /v2/models/NAME[/versions/V][/ready|/infer])`);
  const m = findModel(ctx.models, mp.name, mp.version);
  const rest = mp.rest;
  const tagged = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw Object.assign(e instanceof ServingError ? e : new ServingError(500, String(e)), { model: m.name });
    }
  };
  if (rest === 'infer') return tagged(async () => sendEncoded(res, await infer(ctx, await inferBody(ctx, req, m, clock), m, clock), m.name, clock));
  if (rest === 'async-infer') {
    return tagged(async () => {
      // A body that cannot be read or parsed is refused now; the job holds the run.
      const j = ctx.jobs.submit(m.name, infer(ctx, await inferBody(ctx, req, m, clock), m, clock));
      ctx.log.write('async-submit', { requestId, job: j.id, model: m.name });
      return { ...sendJson(res, 202, { id: j.id, status_url: `/v2/jobs/${j.id}` }, { location: `/v2/jobs/${j.id}` }), model: m.name };
    });
  }
  const st = /^streams(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(rest);
  if (st) {
    if (!Object.keys(m.state).length) throw new ServingError(400, `model '${m.name}' has no state inputs to carry between chunks (name them with --state ${m.name}:INPUT=OUTPUT)`);
    return tagged(() => streamRoute(ctx, req, res, m, [st[1], st[2]].filter((x): x is string => x !== undefined), clock));
  }
  throw new ServingError(404, `no endpoint '${rest}' for model '${m.name}'`);
}
