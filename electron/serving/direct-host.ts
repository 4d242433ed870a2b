// Direct connections, the runtime host's side (direct-path.ts is the server's). The model server
// hands a client's connection over, and this host answers the inference requests on it itself:
// a request crosses one process boundary (client → host) instead of three (client → server →
// host → server → client). Anything else on the connection goes back to the server with the
// connection: metadata, health, async jobs, streams, a model whose requests are batched, a wrong
// token, shutdown, and an inference that cannot wait its turn here (direct-turns.ts: more wait
// than the server's queue holds, or the wait would near the timeout; the server's queue orders
// those). The server keeps its own copy of each socket and reads this host's journal
// (direct-journal.ts) of each request taken and finished, so that it counts and logs them, and
// answers 503 for those in flight if this host dies. Requests are framed here without node:http
// (request-framing.ts): what the framer does not take goes back to the server with its bytes
// untouched.

import type { Socket } from 'node:net';
import { WorkbenchError } from '../../shared/errors.js';
import { infer, infersIdle, runningInfers } from '../runtime-host/host-infer.js';
import { DirectConnection, type ConnectionHandler } from './direct-connection.js';
import { JournalWriter } from './direct-journal.js';
import { RunTurns } from './direct-turns.js';
import type { DirectConfig, DirectFromHost, DirectModel, DirectNote, DirectToHost } from './direct-messages.js';
import { HEADER_LENGTH, parseInferRequest } from './infer-request.js';
import { rawError, rawJson, rawResponse } from './raw-response.js';
import type { FramedRequest, RequestHead } from './request-framing.js';
import { requestIdOf, requestUrl, tokenAccepted } from './request-meta.js';
import { ServingError } from './serving-error.js';
import { encodeAnswer, findModel, fixedAnswer, modelPath } from './serving-routes.js';
import { StageClock } from './stage-timings.js';

/** node:http's defaults, which the server's own connections get. */
const MAX_HEAD_BYTES = 16 * 1024;
const KEEP_ALIVE_MS = 5000;

function servingError(e: unknown): ServingError {
  if (e instanceof ServingError) return e;
  if (e instanceof WorkbenchError) return new ServingError(400, e.message);
  return new ServingError(500, e instanceof Error ? e.message : String(e));
}

/** The path a request is routed by (no trailing slash, as the server routes it) and logged as, or undefined when its target is not a URL. */
function routedPath(req: RequestHead): { path: string; logged: string } | undefined {
  const url = requestUrl(req);
  return url && { path: url.pathname.replace(/\/+$/, ''), logged: url.pathname };
}

/** The header that says the connection closes after this answer, when the client asked for that. */
const closing = (req: FramedRequest): Record<string, string> => (req.keepAlive ? {} : { connection: 'close' });

export class DirectHost implements ConnectionHandler {
  private config: DirectConfig | undefined;
  private journal: JournalWriter | undefined;
  private draining = false;
  private readonly turns = new RunTurns(() => runningInfers() > 0, infersIdle);
  /** The last direct run's time (ms): what a request waiting behind others expects each to take. */
  private lastRunMs = 0;

  constructor(
    private readonly post: (m: DirectFromHost) => void,
    /** Tests' fault injection, before a run (as the server's own infer requests have it). */
    private readonly fault: () => void,
  ) {}

  receive(m: DirectToHost, socket: Socket | undefined): void {
    if (m.type === 'direct-setup') {
      this.config = m.config;
      try {
        if (m.journal !== undefined) this.journal = new JournalWriter(m.journal);
      } catch {
        // Notes go as messages instead.
      }
    } else if (m.type === 'direct-drain') this.draining = true;
    // The setup message always comes first (attach sends it before any connection).
    else if (socket && this.config) {
      const c = this.config;
      new DirectConnection(socket, m.conn, { maxHeadBytes: MAX_HEAD_BYTES, maxBodyBytes: c.maxBodyBytes, headersTimeoutMs: c.headersTimeoutMs, bodyTimeoutMs: c.bodyTimeoutMs, keepAliveMs: KEEP_ALIVE_MS }, this);
      socket.resume();
    }
  }

  request(conn: DirectConnection, req: FramedRequest, arrived: number): 'give-back' | Promise<void> | void {
    const c = this.config;
    const routed = routedPath(req);
    // A target that is not a URL, shutdown: the server answers.
    if (!c || !routed || this.draining) return 'give-back';
    if (req.method === 'GET') return this.answerFixed(c, conn, req, routed.path, routed.logged, arrived) ? undefined : 'give-back';
    const m = this.directModel(c, req, routed.path);
    if (!m || !this.mayWait(c)) return 'give-back';
    return this.answerInfer(conn, req, m, routed.logged, arrived);
  }

  /**
   * Whether a request may wait here for its turn: fewer wait than the server's queue holds, and
   * the runs ahead of it would end well within the server's timeout (which counts waiting, and
   * would end this host). Otherwise the server's queue takes it, and answers 429 or 504 as it does
   * for any request.
   */
  private mayWait(c: DirectConfig): boolean {
    if (!this.turns.wouldWait()) return true;
    // Ahead of it: those waiting, and the run in progress.
    const ahead = this.turns.waitingCount + 1;
    return this.turns.waitingCount < c.maxWaiting && (ahead + 1) * this.lastRunMs < c.timeoutMs / 2;
  }

  bodyTimedOut(conn: DirectConnection, head: RequestHead, arrived: number): void {
    // As the server's readBody refuses it (and the server logs it).
    const err = new ServingError(408, `the request body did not arrive within ${this.config?.bodyTimeoutMs ?? 0} ms`);
    const requestId = requestIdOf(head);
    conn.write(rawError(err, requestId, true), false);
    this.note({ type: 'direct-done', conn: conn.id, requestId, model: '', method: head.method, path: routedPath(head)?.logged ?? head.url, status: err.status, ms: performance.now() - arrived, message: err.message });
  }

  /** Tells the server of a request's start or end: in the journal, or as messages once it cannot be written. */
  private note(n: DirectNote): void {
    if (this.journal?.write(n)) return;
    this.journal = undefined;
    this.post(n);
  }

  givenBack(conn: DirectConnection, bytes: Buffer): void {
    this.post({ type: 'direct-handback', conn: conn.id, bytes });
  }

  closed(conn: DirectConnection): void {
    this.post({ type: 'direct-closed', conn: conn.id });
  }

  /** The model of an inference this host answers, or undefined: the request goes back to the server. */
  private directModel(c: DirectConfig, req: FramedRequest, path: string): DirectModel | undefined {
    if (req.method !== 'POST') return undefined;
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

  private async answerInfer(conn: DirectConnection, req: FramedRequest, m: DirectModel, logged: string, arrived: number): Promise<void> {
    const requestId = requestIdOf(req);
    const clock = new StageClock(arrived);
    clock.lap('read');
    // Decided now as `take` below decides it: nothing runs in between.
    const waits = this.turns.wouldWait();
    this.note({ type: 'direct-start', conn: conn.id, requestId, model: m.name, path: logged, at: Date.now(), ...(waits ? { waiting: true as const } : {}) });
    let status = 200;
    let message: string | undefined;
    try {
      const r = parseInferRequest(req.body, req.headers[HEADER_LENGTH], m);
      clock.lap('decode');
      const out = await this.turns.take(() => {
        clock.lap('queue');
        if (waits) this.note({ type: 'direct-run', conn: conn.id, requestId });
        this.fault();
        return infer({ model: m.path, session: m.session, inputs: r.inputs });
      });
      this.lastRunMs = out.runMs;
      // Converting tensors around the run is this path's whole "trip to the host".
      clock.lap('ipc');
      clock.move('ipc', 'run', out.runMs);
      const encoded = encodeAnswer(m, r, { outputs: out.outputs, runMs: out.runMs, queueMs: clock.ms.queue ?? 0, batchSize: 1 });
      clock.lap('encode');
      const timing = clock.header();
      conn.write(rawResponse(200, { ...encoded.headers, 'x-request-id': requestId, 'server-timing': timing, ...closing(req) }, encoded.parts), req.keepAlive);
    } catch (e) {
      const err = servingError(e);
      status = err.status;
      message = err.message;
      conn.write(rawError(err, requestId, !req.keepAlive), req.keepAlive);
    }
    this.note({ type: 'direct-done', conn: conn.id, requestId, model: m.name, method: 'POST', path: logged, status, ms: performance.now() - clock.started, ...(status === 200 ? { stages: clock.ms } : {}), ...(message ? { message } : {}) });
  }

  /**
   * Health, server and model metadata, readiness: answered here, so that a client that asks them
   * before inferring (Triton's clients do) keeps its connection on this host. False: not one of
   * them (or an unknown model, a missing token): the server answers.
   */
  private answerFixed(c: DirectConfig, conn: DirectConnection, req: FramedRequest, path: string, logged: string, arrived: number): boolean {
    if (!path.startsWith('/v2/health/') && c.token !== undefined && !tokenAccepted(req, c.token)) return false;
    let fixed: ReturnType<typeof fixedAnswer>;
    try {
      fixed = fixedAnswer(c.models, path, false);
    } catch {
      return false;
    }
    if (!fixed) return false;
    const requestId = requestIdOf(req);
    conn.write(rawJson(fixed.status, fixed.value, { 'x-request-id': requestId, ...closing(req) }), req.keepAlive);
    this.note({ type: 'direct-done', conn: conn.id, requestId, model: '', method: 'GET', path: logged, status: fixed.status, ms: performance.now() - arrived });
    return true;
  }
}
