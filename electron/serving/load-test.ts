// `onnx-workbench load`: requests at a fixed rate (open loop: latency counted from when each
// request was due, so a slow server cannot hide its queue) or from a fixed number of clients
// (closed loop), then latency percentiles, throughput and errors by kind.

import { Http1Error, Http1Pool, type PreparedRequest } from './http1-client.js';
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

/**
 * One request on a kept-alive connection of the load test's own client (http1-client.ts): neither
 * fetch (undici's per-request work costs more than a millisecond here) nor node:http (0.2-0.35 ms),
 * which a load test would report as the server's latency. Only the status and `Server-Timing`
 * are read; the body is dropped as it comes.
 */
async function one(pool: Http1Pool, request: PreparedRequest, timeoutMs: number, due: number, t: Tally): Promise<void> {
  const fail = (kind: string) => t.errors.set(kind, (t.errors.get(kind) ?? 0) + 1);
  try {
    const r = await pool.send(request, { timeoutMs, keepBody: false });
    if (r.status < 200 || r.status > 299) {
      fail(`http_${r.status}`);
      return;
    }
    t.latencies.push(performance.now() - due);
    for (const [stage, ms] of parseServerTiming(r.headers['server-timing'])) {
      let list = t.stages.get(stage);
      if (!list) t.stages.set(stage, (list = []));
      list.push(ms);
    }
  } catch (e) {
    fail(e instanceof Http1Error ? e.kind : 'connection');
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const tally: Tally = { latencies: [], errors: new Map(), stages: new Map() };
  const { latencies, errors } = tally;
  // One kept-alive connection per client (closed loop), as many as are needed at a fixed rate.
  const url = new URL(o.url);
  const pool = new Http1Pool(url, o.rps === undefined ? { maxConnections: o.concurrency ?? 1 } : {});
  const request = pool.prepare('POST', url.pathname + url.search, o.headers, o.body);
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
        track(one(pool, request, o.timeoutMs, due, tally));
      }
    } else {
      const client = async () => {
        while (performance.now() < end && !o.signal?.aborted) {
          const p = one(pool, request, o.timeoutMs, performance.now(), tally);
          track(p);
          await p;
        }
      };
      await Promise.all(Array.from({ length: o.concurrency ?? 1 }, client));
    }
    await Promise.all([...pending]);
  } finally {
    clearInterval(progress);
    pool.close();
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
