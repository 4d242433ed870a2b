// `serve-model`: the KServe v2 / Open Inference Protocol over HTTP/JSON on node:http, with
// dynamic batching, async jobs, streams (server-sent events), Prometheus metrics and JSON-line
// logs. onnxruntime runs in runtime hosts of the server's own (electron/runtime-host).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkbenchError } from '../../shared/errors.js';
import type { HostLauncher } from '../runtime-host/host-channel.js';
import type { SessionSettings } from '../runtime-host/host-protocol.js';
import { createToken, tokenMatches } from '../server/request-guard.js';
import { AsyncJobs } from './async-jobs.js';
import { BatchScheduler } from './batch-scheduler.js';
import { JsonLog, type LogSink } from './json-log.js';
import { ServerMetrics, type MetricsSnapshot } from './metrics.js';
import { describeModels } from './model-catalog.js';
import type { ModelSpec, ServedModel } from './served-model.js';
import { ServingError } from './serving-error.js';
import { routeRequest, type ServerContext } from './serving-routes.js';
import { StreamStore } from './streams.js';

export interface ModelServerOptions {
  models: (ModelSpec & { state?: Record<string, string> })[];
  session?: Partial<SessionSettings>;
  /** 127.0.0.1 by default; any other address needs a token (one is made when none is given). */
  host?: string;
  port?: number;
  token?: string;
  maxBatch?: number;
  maxDelayMs?: number;
  instances?: number;
  maxQueue?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
  asyncTtlMs?: number;
  streamIdleMs?: number;
  log?: LogSink;
  launcher?: (instance: number) => HostLauncher | undefined;
}

export interface ModelServer {
  readonly url: string;
  readonly port: number;
  /** Required of every request but health checks when set. */
  readonly token: string | undefined;
  readonly models: readonly ServedModel[];
  /** The figures of /metrics as JSON (for the app's dashboard). */
  snapshot(): MetricsSnapshot;
  /** Stops taking requests, finishes those accepted (up to graceMs), then ends the hosts. */
  close(graceMs?: number): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const DEFAULT_SESSION: SessionSettings = { provider: 'cpu', deviceId: 0, optimization: 'all', freeDimensionOverrides: {} };

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  if (!options.models.length) throw new WorkbenchError('USAGE', 'no model to serve');
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (LOOPBACK.has(host) ? undefined : createToken());
  const session: SessionSettings = { ...DEFAULT_SESSION, ...options.session };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const scheduler = new BatchScheduler({
    instances: options.instances ?? 1,
    maxBatch: options.maxBatch ?? 1,
    maxDelayMs: options.maxDelayMs ?? 0,
    maxQueue: options.maxQueue ?? 256,
    timeoutMs,
    ...(options.launcher ? { launcher: options.launcher } : {}),
  });
  const log = new JsonLog(options.log ?? ((l) => process.stderr.write(l)));
  const metrics = new ServerMetrics();
  let models: ServedModel[];
  try {
    models = await describeModels(scheduler, options.models, session);
  } catch (e) {
    scheduler.close();
    throw e;
  }
  scheduler.setModels(models);
  scheduler.onBatch = (model, size) => metrics.batch(model, size);

  let inFlight = 0;
  let draining = false;
  metrics.gauges = { queueDepth: () => scheduler.queueDepth, inFlight: () => inFlight, running: () => scheduler.runningBatches, hostRestarts: () => scheduler.restarts };
  const ctx: ServerContext = {
    models,
    scheduler,
    metrics,
    log,
    jobs: new AsyncJobs(options.asyncTtlMs ?? 300_000, 1000),
    streams: new StreamStore(options.streamIdleMs ?? 600_000),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const health = url.pathname.startsWith('/v2/health/');
    res.setHeader('x-request-id', requestId);
    let status = 500;
    let model: string | undefined;
    inFlight++;
    try {
      if (token !== undefined && !health) {
        const auth = req.headers.authorization;
        const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-workbench-token'];
        if (!tokenMatches(typeof given === 'string' ? given : undefined, token)) throw new ServingError(401, 'this server needs its token (Authorization: Bearer TOKEN)');
      }
      if (draining && !health) throw new ServingError(503, 'the server is shutting down', { connection: 'close' });
      const r = await routeRequest(ctx, req, res, url, requestId, draining);
      status = r.status;
      model = r.model;
    } catch (e) {
      const err = e instanceof ServingError ? e : new ServingError(500, e instanceof Error ? e.message : String(e));
      status = err.status;
      model = (e as { model?: string }).model;
      if (!res.headersSent) {
        const body = JSON.stringify({ error: err.message });
        res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...err.headers });
        res.end(body);
      } else res.destroy();
      log.write('error', { requestId, status, message: err.message, ...(model ? { model } : {}) });
    } finally {
      inFlight--;
      const seconds = (performance.now() - started) / 1000;
      if (model) metrics.request(model, status, seconds);
      log.write('request', { requestId, method: req.method, path: url.pathname, status, ms: Math.round(seconds * 1e4) / 10, ...(model ? { model } : {}) });
      if (draining && inFlight === 0) for (const w of drainWaiters.splice(0)) w();
    }
  };
  const drainWaiters: (() => void)[] = [];

  const server: Server = createServer((req, res) => void handle(req, res));
  // A client that sends its headers slowly is dropped by node; the body has its own deadline.
  server.headersTimeout = 10_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      scheduler.close();
      reject(new WorkbenchError('LISTEN_FAILED', `cannot listen on ${host}:${options.port ?? 0}: ${e.code ?? e.message}`));
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  log.write('started', { url: `http://${shownHost}:${port}`, models: models.map((m) => ({ name: m.name, version: m.version, batchable: m.batchable, state: m.state })) });

  return {
    url: `http://${shownHost}:${port}`,
    port,
    token,
    models,
    snapshot: () => metrics.snapshot(),
    async close(graceMs = 30_000) {
      draining = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => drainWaiters.push(r));
      ctx.streams.endAll();
      await Promise.race([Promise.all([drained, scheduler.idle()]), new Promise((r) => setTimeout(r, graceMs).unref())]);
      scheduler.close();
      server.closeAllConnections();
      await closed;
      log.write('stopped', {});
    },
  };
}
