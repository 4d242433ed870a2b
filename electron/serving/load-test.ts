// `onnx-workbench load`: requests at a fixed rate (open loop: latency counted from when each
// request was due, so a slow server cannot hide its queue) or from a fixed number of clients
// (closed loop), then latency percentiles, throughput and errors by kind.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { quantile } from '../../shared/profile/stats.js';
import type { LoadRunReport } from '../../shared/protocol/serving-api.js';
import { parseServerTiming } from './stage-timings.js';

export interface LoadOptions {
  /** The infer URL (…/v2/models/NAME[/versions/V]/infer). */
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
  /** Requests per second (open loop), or… */
  rps?: number;
  /** …clients each sending the next request when the last is answered (closed loop). */
  concurrency?: number;
  durationS: number;
  /** A request unanswered this long counts as a 'timeout' error. */
  timeoutMs: number;
  onProgress?: (done: number, elapsedS: number) => void;
  /** Stops sending new requests (those sent are still awaited): the app's Cancel. */
  signal?: AbortSignal;
}

/** What a run measured (the load command's --json). */
export type LoadReport = LoadRunReport;

interface Tally {
  latencies: number[];
  errors: Map<string, number>;
  /** The server's Server-Timing stages (ms) of each answered request. */
  stages: Map<string, number[]>;
}

class TimedOut extends Error {}

/**
 * One POST on a kept-alive connection. node:http rather than fetch: undici's per-request work
 * costs a client on this machine more than a millisecond, which a load test would report as the
 * server's latency.
 */
function post(o: LoadOptions, agent: HttpAgent): Promise<{ status: number; timing: string | undefined }> {
  const url = new URL(o.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', agent, headers: { ...o.headers, 'content-length': String(o.body.byteLength) } }, (res: IncomingMessage) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        clearTimeout(timer);
        const timing = res.headers['server-timing'];
        resolve({ status: res.statusCode ?? 0, timing: Array.isArray(timing) ? timing.join(', ') : timing });
      });
      res.on('error', fail);
    });
    function fail(e: Error): void {
      clearTimeout(timer);
      reject(e);
    }
    const timer = setTimeout(() => req.destroy(new TimedOut()), o.timeoutMs);
    req.on('error', fail);
    req.end(o.body);
  });
}

async function one(o: LoadOptions, agent: HttpAgent, due: number, t: Tally): Promise<void> {
  const fail = (kind: string) => t.errors.set(kind, (t.errors.get(kind) ?? 0) + 1);
  try {
    const r = await post(o, agent);
    if (r.status < 200 || r.status > 299) {
      fail(`http_${r.status}`);
      return;
    }
    t.latencies.push(performance.now() - due);
    for (const [stage, ms] of parseServerTiming(r.timing)) {
      let list = t.stages.get(stage);
      if (!list) t.stages.set(stage, (list = []));
      list.push(ms);
    }
  } catch (e) {
    fail(e instanceof TimedOut ? 'timeout' : 'connection');
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const tally: Tally = { latencies: [], errors: new Map(), stages: new Map() };
  const { latencies, errors } = tally;
  // One kept-alive connection per client (closed loop), as many as are needed at a fixed rate.
  const agentOptions = { keepAlive: true, ...(o.rps === undefined ? { maxSockets: o.concurrency ?? 1 } : {}) };
  const agent = o.url.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const end = t0 + o.durationS * 1000;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const progress = setInterval(() => o.onProgress?.(latencies.length + [...errors.values()].reduce((a, b) => a + b, 0), (performance.now() - t0) / 1000), 1000);
  try {
    if (o.rps !== undefined) {
      const interval = 1000 / o.rps;
      for (let k = 0; ; k++) {
        const due = t0 + k * interval;
        if (due >= end || o.signal?.aborted) break;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        track(one(o, agent, due, tally));
      }
    } else {
      const client = async () => {
        while (performance.now() < end && !o.signal?.aborted) {
          const p = one(o, agent, performance.now(), tally);
          track(p);
          await p;
        }
      };
      await Promise.all(Array.from({ length: o.concurrency ?? 1 }, client));
    }
    await Promise.all([...pending]);
  } finally {
    clearInterval(progress);
    agent.destroy();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  const requests = sorted.length + failed;
  const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);
  return {
    schema: 'onnx-workbench.load',
    url: o.url,
    mode: o.rps !== undefined ? 'open' : 'closed',
    ...(o.rps !== undefined ? { rps: o.rps } : { concurrency: o.concurrency ?? 1 }),
    durationS: r3(elapsed),
    requests,
    ok: sorted.length,
    throughput: r3(sorted.length / elapsed),
    latency: {
      p50Ms: r3(quantile(sorted, 0.5)),
      p90Ms: r3(quantile(sorted, 0.9)),
      p99Ms: r3(quantile(sorted, 0.99)),
      maxMs: r3(sorted.length ? sorted[sorted.length - 1]! : NaN),
      meanMs: r3(sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN),
    },
    errors: Object.fromEntries(errors),
    errorRate: requests ? r3(failed / requests) : 0,
    startedAt,
    ...(tally.stages.size ? { stages: Object.fromEntries([...tally.stages].map(([k, xs]) => [k, { meanMs: r3(mean(xs)), p50Ms: r3(quantile([...xs].sort((a, b) => a - b), 0.5)) }])) } : {}),
  };
}
