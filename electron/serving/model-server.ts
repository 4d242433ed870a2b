// `serve-model`: the KServe v2 / Open Inference Protocol over HTTP/JSON on node:http, with
// dynamic batching, async jobs, streams (server-sent events), Prometheus metrics and JSON-line
// logs. onnxruntime runs in runtime hosts of the server's own (electron/runtime-host).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { WorkbenchError } from '../../shared/errors.js';
import type { HostLauncher } from '../runtime-host/host-channel.js';
import type { SessionSettings } from '../runtime-host/host-protocol.js';
import { createToken } from '../server/request-guard.js';
import { AsyncJobs } from './async-jobs.js';
import { BatchScheduler } from './batch-scheduler.js';
import { DirectPath } from './direct-path.js';
import { JsonLog, type LogSink } from './json-log.js';
import { ServerMetrics, type MetricsSnapshot } from './metrics.js';
import { describeModels } from './model-catalog.js';
import type { ModelSpec, ServedModel } from './served-model.js';
import { requestIdOf, requestUrl, tokenAccepted } from './request-meta.js';
import { recordRequest } from './request-record.js';
import { ServingError, writeError } from './serving-error.js';
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
  /**
   * Hand each connection to a runtime host, which answers unbatched inferences on it itself (one
   * process hop instead of three); default true. Off: every request goes through this process.
   */
  direct?: boolean;
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
const HEADERS_TIMEOUT_MS = 10_000;

/** The direct path, when asked for and some model's inferences can take it (those no batching merges). */
function directPath(options: ModelServerOptions, models: ServedModel[], scheduler: BatchScheduler, ctx: ServerContext, limits: { timeoutMs: number; maxQueue: number }, token: string | undefined, adopt: (socket: Socket) => void): DirectPath | undefined {
  const maxBatch = options.maxBatch ?? 1;
  const direct = models.map((m) => ({ ...m, direct: !(m.batchable && maxBatch > 1) }));
  if (options.direct === false || !direct.some((m) => m.direct)) return undefined;
  return new DirectPath({
    hosts: scheduler.hosts,
    config: { models: direct, ...(token !== undefined ? { token } : {}), maxBodyBytes: ctx.maxBodyBytes, bodyTimeoutMs: ctx.bodyTimeoutMs, headersTimeoutMs: HEADERS_TIMEOUT_MS, timeoutMs: limits.timeoutMs + ctx.bodyTimeoutMs, maxWaiting: limits.maxQueue },
    adopt,
    metrics: ctx.metrics,
    log: ctx.log,
  });
}

const DEFAULT_SESSION: SessionSettings = { provider: 'cpu', deviceId: 0, optimization: 'all', freeDimensionOverrides: {} };

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  if (!options.models.length) throw new WorkbenchError('USAGE', 'no model to serve');
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (LOOPBACK.has(host) ? undefined : createToken());
  const session: SessionSettings = { ...DEFAULT_SESSION, ...options.session };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxQueue = options.maxQueue ?? 256;
  const scheduler = new BatchScheduler({
    instances: options.instances ?? 1,
    maxBatch: options.maxBatch ?? 1,
    maxDelayMs: options.maxDelayMs ?? 0,
    maxQueue,
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

  // A direct request waiting for its turn at its host is queued; the others in hosts are running.
  metrics.gauges = {
    queueDepth: () => scheduler.queueDepth + (direct?.waiting ?? 0),
    inFlight: () => inFlight + (direct?.inFlight ?? 0),
    running: () => scheduler.runningBatches + (direct ? direct.inFlight - direct.waiting : 0),
    hostRestarts: () => scheduler.restarts,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(req);
    const started = performance.now();
    const url = requestUrl(req);
    const health = url?.pathname.startsWith('/v2/health/') ?? false;
    res.setHeader('x-request-id', requestId);
    let status = 500;
    let model: string | undefined;
    let message: string | undefined;
    inFlight++;
    try {
      if (token !== undefined && !health && !tokenAccepted(req, token)) throw new ServingError(401, 'this server needs its token (Authorization: Bearer TOKEN)');
      if (draining && !health) throw new ServingError(503, 'the server is shutting down', { connection: 'close' });
      if (!url) throw new ServingError(400, `the request target ${JSON.stringify(req.url)} is not a valid URL`);
      const r = await routeRequest(ctx, req, res, url, requestId, draining);
      status = r.status;
      model = r.model;
    } catch (e) {
      const err = e instanceof ServingError ? e : new ServingError(500, e instanceof Error ? e.message : String(e));
      status = err.status;
      model = (e as { model?: string }).model;
      message = err.message;
      writeError(res, err);
    } finally {
      inFlight--;
      recordRequest(metrics, log, { requestId, method: req.method ?? '', path: url?.pathname ?? req.url ?? '', status, ms: performance.now() - started, ...(model ? { model } : {}), ...(message !== undefined ? { message } : {}) });
      if (draining && inFlight === 0) for (const w of drainWaiters.splice(0)) w();
    }
  };
  const drainWaiters: (() => void)[] = [];

  const server: Server = createServer((req, res) => void handle(req, res));
  // A client that sends its headers slowly is dropped by node; the body has its own deadline.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0;
  // Connections are accepted below and given to this server by hand; 'listening' starts node's
  // connection checks (headersTimeout, closeIdleConnections) for them.
  server.emit('listening');
  const adopt = (socket: Socket) => {
    server.emit('connection', socket);
    socket.resume();
  };
  const direct = directPath(options, models, scheduler, ctx, { timeoutMs, maxQueue }, token, adopt);
  // Paused until placed: a socket handed to a host must not have been read here.
  const listener = createNetServer({ pauseOnConnect: true, noDelay: true, allowHalfOpen: true }, (socket) => (direct ? direct.accept(socket) : adopt(socket)));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (e: NodeJS.ErrnoException) => {
      scheduler.close();
      reject(new WorkbenchError('LISTEN_FAILED', `cannot listen on ${host}:${options.port ?? 0}: ${e.code ?? e.message}`));
    });
    listener.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
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
      const closed = new Promise<void>((r) => listener.close(() => r()));
      server.closeIdleConnections();
      const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => drainWaiters.push(r));
      ctx.streams.endAll();
      await Promise.race([Promise.all([drained, scheduler.idle(), direct?.drain()]), new Promise((r) => setTimeout(r, graceMs).unref())]);
      scheduler.close();
      direct?.close();
      server.closeAllConnections();
      // It never listened (the listener did): this only stops its connection checks.
      server.close(() => undefined);
      await closed;
      log.write('stopped', {});
    },
  };
}
