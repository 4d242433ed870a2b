// Direct connections, the runtime host's side (direct-path.ts is the server's). The model server
// hands a client's connection over, and this host answers the inference requests on it itself:
// a request crosses one process boundary (client → host) instead of three (client → server →
// host → server → client). Anything else on the connection goes back to the server with the
// connection: metadata, health, async jobs, streams, a model whose requests are batched, a wrong
// token, shutdown, and a request that arrives while this host is running another (the server's
// queue orders those). The server keeps its own copy of each socket and hears of each request
// taken and finished, so that it counts and logs them, and answers 503 for those in flight if
// this host dies.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WorkbenchError } from '../../shared/errors.js';
import { infer, runningInfers } from '../runtime-host/host-infer.js';
import type { DirectConfig, DirectFromHost, DirectModel, DirectToHost } from './direct-messages.js';
import { readBody } from './http-body.js';
import { HEADER_LENGTH, parseInferRequest } from './infer-request.js';
import { requestIdOf, requestUrl, tokenAccepted } from './request-meta.js';
import { ServingError, writeError } from './serving-error.js';
import { encodeAnswer, findModel, fixedAnswer, modelPath, sendEncoded, sendJson } from './serving-routes.js';
import { StageClock } from './stage-timings.js';

const conns = new WeakMap<Socket, number>();
/** Sockets given back: their closing here is not the connection's end. */
const givenBack = new WeakSet<Socket>();

/** The request as bytes again, its body whole (Content-Length), for the server's own parser. */
function requestBytes(req: IncomingMessage, body: Buffer): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // The body is here whole: its framing is restated, and a 100-continue was already sent.
    if (!/^(content-length|transfer-encoding|expect)$/i.test(req.rawHeaders[i]!)) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`content-length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function servingError(e: unknown): ServingError {
  if (e instanceof ServingError) return e;
  if (e instanceof WorkbenchError) return new ServingError(400, e.message);
  return new ServingError(500, e instanceof Error ? e.message : String(e));
}

export class DirectHost {
  private config: DirectConfig | undefined;
  private draining = false;
  private readonly server = createServer((req, res) => void this.answer(req, res));

  constructor(
    private readonly post: (m: DirectFromHost) => void,
    /** Tests' fault injection, before a run (as the server's own infer requests have it). */
    private readonly fault: () => void,
  ) {
    this.server.requestTimeout = 0;
    // Connections come from the server, not from listen(): 'listening' starts node's connection
    // checks, so that headersTimeout applies here as it does in the server.
    this.server.emit('listening');
  }

  receive(m: DirectToHost, socket: Socket | undefined): void {
    if (m.type === 'direct-setup') {
      this.config = m.config;
      this.server.headersTimeout = m.config.headersTimeoutMs;
    } else if (m.type === 'direct-drain') this.draining = true;
    else if (socket) {
      conns.set(socket, m.conn);
      socket.once('close', () => {
        if (!givenBack.has(socket)) this.post({ type: 'direct-closed', conn: m.conn });
      });
      this.server.emit('connection', socket);
      socket.resume();
    }
  }

  /** The model of an inference this host answers, or undefined: the request goes back to the server. */
  private directModel(req: IncomingMessage, path: string): DirectModel | undefined {
    const c = this.config;
    if (!c || this.draining || req.method !== 'POST') return undefined;
    if (c.token !== undefined && !tokenAccepted(req, c.token)) return undefined;
    try {
      const mp = modelPath(path);
      if (mp?.rest !== 'infer') return undefined;
      const m = findModel(c.models, mp.name, mp.version);
      return m.direct ? m : undefined;
    } catch {
      // An unknown model or a malformed path: the server's answer says what is wrong.
      return undefined;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const conn = conns.get(req.socket)!;
    const c = this.config!;
    const url = requestUrl(req);
    // Routed without a trailing slash, as the server routes it (and logged as it logs it).
    const path = url?.pathname.replace(/\/+$/, '');
    if (url && path !== undefined && req.method === 'GET' && this.answerFixed(req, res, conn, path, url.pathname, started)) return;
    // A target that is not a URL goes back too: the server refuses it.
    const m = path === undefined ? undefined : this.directModel(req, path);
    if (!m || !url) {
      await this.handBack(req, res, conn, url?.pathname ?? req.url ?? '', started);
      return;
    }
    const requestId = requestIdOf(req);
    const clock = new StageClock(started);
    this.post({ type: 'direct-start', conn, requestId, model: m.name, path: url.pathname });
    res.setHeader('x-request-id', requestId);
    let status = 200;
    let message: string | undefined;
    try {
      const body = await readBody(req, c.maxBodyBytes, c.bodyTimeoutMs);
      clock.lap('read');
      const header = req.headers[HEADER_LENGTH];
      const r = parseInferRequest(body, typeof header === 'string' ? header : undefined, m);
      clock.lap('decode');
      if (runningInfers() > 0) {
        this.giveBack(req, conn, requestBytes(req, body), requestId);
        return;
      }
      clock.add('queue', 0);
      this.fault();
      const out = await infer({ model: m.path, session: m.session, inputs: r.inputs });
      // Converting tensors around the run is this path's whole "trip to the host".
      clock.lap('ipc');
      clock.move('ipc', 'run', out.runMs);
      const encoded = encodeAnswer(m, r, { outputs: out.outputs, runMs: out.runMs, queueMs: 0, batchSize: 1 });
      clock.lap('encode');
      sendEncoded(res, encoded, m.name, clock);
    } catch (e) {
      const err = servingError(e);
      status = err.status;
      message = err.message;
      writeError(res, err);
    }
    this.post({ type: 'direct-done', conn, requestId, model: m.name, method: 'POST', path: url.pathname, status, ms: performance.now() - clock.started, ...(status === 200 ? { stages: clock.ms } : {}), ...(message ? { message } : {}) });
  }

  /**
   * Health, server and model metadata, readiness: answered here, so that a client that asks them
   * before inferring (Triton's clients do) keeps its connection on this host. False: not one of
   * them (or an unknown model, a missing token, shutdown): the server answers.
   */
  private answerFixed(req: IncomingMessage, res: ServerResponse, conn: number, path: string, logged: string, started: number): boolean {
    const c = this.config;
    if (!c || this.draining) return false;
    if (!path.startsWith('/v2/health/') && c.token !== undefined && !tokenAccepted(req, c.token)) return false;
    let fixed: ReturnType<typeof fixedAnswer>;
    try {
      fixed = fixedAnswer(c.models, path, false);
    } catch {
      return false;
    }
    if (!fixed) return false;
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    sendJson(res, fixed.status, fixed.value);
    this.post({ type: 'direct-done', conn, requestId, model: '', method: 'GET', path: logged, status: fixed.status, ms: performance.now() - started });
    return true;
  }

  /** Reads the body (within the server's limits) and gives the connection back with the request. */
  private async handBack(req: IncomingMessage, res: ServerResponse, conn: number, logged: string, started: number): Promise<void> {
    const c = this.config;
    let body: Buffer;
    try {
      body = await readBody(req, c?.maxBodyBytes ?? 64 << 20, c?.bodyTimeoutMs ?? 10_000);
    } catch (e) {
      // Too big or too slow to pass on: refused here, and the server logs it.
      const err = servingError(e);
      const requestId = requestIdOf(req);
      res.setHeader('x-request-id', requestId);
      writeError(res, err);
      this.post({ type: 'direct-done', conn, requestId, model: '', method: req.method ?? '', path: logged, status: err.status, ms: performance.now() - started, message: err.message });
      return;
    }
    this.giveBack(req, conn, requestBytes(req, body));
  }

  private giveBack(req: IncomingMessage, conn: number, bytes: Buffer, requestId?: string): void {
    const socket = req.socket;
    givenBack.add(socket);
    this.post({ type: 'direct-handback', conn, bytes, ...(requestId ? { requestId } : {}) });
    // Closes this process's copy only: the server's keeps the connection open.
    socket.destroy();
  }
}
