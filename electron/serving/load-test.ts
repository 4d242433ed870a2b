// `onnx-workbench load`: requests at a fixed rate (open loop: latency counted from when each
// request was due, so a slow server cannot hide its queue) or from a fixed number of clients
// (closed loop), then latency percentiles, throughput and errors by kind.

import { quantile } from '../../shared/profile/stats.js';
import type { LoadRunReport } from '../../shared/protocol/serving-api.js';

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

async function one(o: LoadOptions, due: number, latencies: number[], errors: Map<string, number>): Promise<void> {
  const fail = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
  try {
    const r = await fetch(o.url, { method: 'POST', headers: o.headers, body: o.body, signal: AbortSignal.timeout(o.timeoutMs) });
    await r.arrayBuffer();
    if (r.ok) latencies.push(performance.now() - due);
    else fail(`http_${r.status}`);
  } catch (e) {
    fail((e as Error).name === 'TimeoutError' ? 'timeout' : 'connection');
  }
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
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
        track(one(o, due, latencies, errors));
      }
    } else {
      const client = async () => {
        while (performance.now() < end && !o.signal?.aborted) {
          const p = one(o, performance.now(), latencies, errors);
          track(p);
          await p;
        }
      };
      await Promise.all(Array.from({ length: o.concurrency ?? 1 }, client));
    }
    await Promise.all([...pending]);
  } finally {
    clearInterval(progress);
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
  };
}
