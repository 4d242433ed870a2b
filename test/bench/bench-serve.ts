// Benchmark of serve-model, each figure against a peer in the same run:
//  1. throughput at 16 concurrent clients with dynamic batching vs without (same model, same
//     cores, one runtime host each): target at least 1.5x, on a small CNN (two convolutions and
//     a dense layer, whose weights a batch reads once);
//  2. the server's overhead at batch 1 (one client) vs onnxruntime called in a loop in one
//     process (the upper bound), on a model of about 5 ms: target at most 15%; beside it,
//     serve-model --no-direct and a floor without a runtime host;
//  3. p99 latency under a fixed rate (half the unbatched throughput), batching on.
// The servers run as `onnx-workbench serve-model` processes; this process is the client
// (`load`'s own runner, binary tensor data). Prints figures and ratios; exits 0 either way.
//
//   npm run bench:serve            BENCH_SERVE_SECONDS=5 (per load run), BENCH_SERVE_ROUNDS=5,
//                                  BENCH_SERVE_THREADS=N (intra-op threads, both sides),
//                                  BENCH_SERVE_ONLY=overhead (skip 1 and 3)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadBody } from '../../electron/serving/load-inputs.js';
import { runLoad, type LoadReport } from '../../electron/serving/load-test.js';
import { convStack, smallCnn } from './bench-serve-models.js';
import { servingSessionOptions } from '../../electron/runtime-host/host-infer.js';
import type { SessionSettings } from '../../electron/runtime-host/host-protocol.js';
import { stagesText } from '../../electron/serving/load-report.js';
import { availableParallelism, loadavg } from 'node:os';

const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const BIN = fileURLToPath(new URL('../../../bin/onnx-workbench.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./serve-floor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));

function startServer(model: string, extra: string[]): Promise<{ url: string; child: ChildProcess }> {
  return startProcess([BIN, 'serve-model', `m=${model}`, '--port', '0', ...extra], /serving at (http:\/\/\S+)/);
}

/** The floor (serve-floor.ts): serve-model's parsing and encoding with onnxruntime in the same process. */
function startFloor(model: string): Promise<{ url: string; child: ChildProcess }> {
  return startProcess([FLOOR, model, JSON.stringify(SESSION)], /floor at (http:\/\/\S+)/);
}

async function startProcess(args: string[], ready: RegExp): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = ready.exec(text);
      if (!m) return;
      // Later output is not read: a growing buffer searched on every line would load this process.
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${text}`)));
  });
  return { url, child };
}

async function stop(s: { child: ChildProcess }): Promise<void> {
  const done = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await done;
}

async function load(url: string, opts: { rps?: number; concurrency?: number; seconds?: number }): Promise<LoadReport> {
  const meta = (await (await fetch(`${url}/v2/models/m`)).json()) as { inputs: { name: string; datatype: string; shape: number[] }[] };
  const b = await loadBody(meta.inputs, undefined, 1, 0);
  // A short warm-up, so that first-run allocations fall outside the figures.
  await runLoad({ url: `${url}/v2/models/m/infer`, body: b.body, headers: b.headers, concurrency: opts.concurrency ?? 1, durationS: 0.5, timeoutMs: 30_000 });
  return runLoad({ url: `${url}/v2/models/m/infer`, body: b.body, headers: b.headers, ...(opts.rps ? { rps: opts.rps } : { concurrency: opts.concurrency ?? 1 }), durationS: opts.seconds ?? SECONDS, timeoutMs: 30_000 });
}

// The peer gets the session options the runtime host gives a served model (threads, spinning,
// optimization level): the comparison is fair in both directions.
const THREADS = process.env.BENCH_SERVE_THREADS ? Number(process.env.BENCH_SERVE_THREADS) : undefined;
const SESSION: SessionSettings = { provider: 'cpu', deviceId: 0, optimization: 'all', freeDimensionOverrides: {}, ...(THREADS ? { intraOpThreads: THREADS } : {}) };
const THREAD_ARGS = THREADS ? ['--threads', String(THREADS)] : [];

/** session.run times (ms) in this process, one input row, for `seconds`: mean and median. */
async function ortLoop(path: string, size: number, seconds: number): Promise<{ mean: number; median: number }> {
  const s = await ort.InferenceSession.create(path, servingSessionOptions(SESSION));
  const x = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(0.5), [1, 3, size, size]);
  for (let i = 0; i < 5; i++) await s.run({ x });
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await s.run({ x });
    times.push(performance.now() - t);
  }
  await s.release();
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, median: median(times) };
}

const f = (x: number, d = 2) => x.toFixed(d);
const ROUNDS = Number(process.env.BENCH_SERVE_ROUNDS ?? 5);


async function main(): Promise<void> {
  // 1. Batching on a small conv model. Both servers stay up; runs alternate, ROUNDS times, so
  // that load from elsewhere on the machine falls on both alike; the median ratio is the figure.
  const small = join(dir, 'small-cnn.onnx');
  writeFileSync(small, smallCnn());
  console.log(`bench:serve (${SECONDS} s per run, ${ROUNDS} alternating rounds; servers are serve-model processes, one runtime host each; load average ${load1()})\n`);
  if (process.env.BENCH_SERVE_ONLY !== 'overhead') await batching(small);
  for (const head of ['pooled', 'map'] as const) await overhead(head);
}

/** 1. and 3.: batching on and off at 16 clients, then p99 at a fixed rate. */
async function batching(small: string): Promise<void> {
  console.log('1. throughput at 16 concurrent clients, small CNN (2 convs of 16 channels on 32x32, max pool, dense 4096x512, dense 512x10):');
  const off = await startServer(small, []);
  const on = await startServer(small, ['--max-batch', '16', '--max-delay-ms', '2']);
  const ratios: number[] = [];
  let unbatchedRps: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const unbatched = await load(off.url, { concurrency: 16 });
    const batched = await load(on.url, { concurrency: 16 });
    ratios.push(batched.throughput / unbatched.throughput);
    unbatchedRps.push(unbatched.throughput);
    console.log(`   round ${r + 1}: without batching ${f(unbatched.throughput, 0)} req/s (p50 ${f(unbatched.latency.p50Ms)} ms, p99 ${f(unbatched.latency.p99Ms)} ms); with batching (max 16, 2 ms) ${f(batched.throughput, 0)} req/s (p50 ${f(batched.latency.p50Ms)} ms, p99 ${f(batched.latency.p99Ms)} ms); ratio ${f(ratios[r]!)}x; errors ${JSON.stringify({ ...unbatched.errors, ...batched.errors })}`);
  }
  const ratio = median(ratios);
  console.log(`   median ratio ${f(ratio)}x (target >= 1.5x): ${ratio >= 1.5 ? 'met' : 'NOT met'}${busy()}\n`);

  // 3. p99 at a fixed rate: half of what one unbatched host sustained.
  const rate = Math.max(1, Math.round(median(unbatchedRps) / 2));
  unbatchedRps = [];
  const fixed = await load(on.url, { rps: rate });
  console.log(`3. fixed rate ${rate} req/s (half the median unbatched throughput), batching on: p50 ${f(fixed.latency.p50Ms)} ms, p90 ${f(fixed.latency.p90Ms)} ms, p99 ${f(fixed.latency.p99Ms)} ms, max ${f(fixed.latency.maxMs)} ms, ${fixed.requests} requests, errors ${JSON.stringify(fixed.errors)}\n`);
  await stop(off);
  await stop(on);
}

const load1 = () => loadavg().map((x) => x.toFixed(2)).join(' ');
/** A verdict's caveat when other work shares the cores: three processes per request (client, server, host) wait on the scheduler more than one. */
const busy = () => (loadavg()[0]! > availableParallelism() ? ` (machine busy: load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; the figure is unreliable)` : '');

const BLOCK_S = 0.25;

interface RoundFigures {
  peerMean: number;
  peerMedian: number;
  servedMean: number;
  /** Each block pair's served p50 over its peer's median. */
  blockRatios: number[];
  /** Stage means weighted by answers, as a load report gives them (for stagesText). */
  report: LoadReport;
}

/**
 * One round: blocks of BLOCK_S seconds of onnxruntime in a loop and of one client of the server,
 * alternating (which goes first swaps each pair) for `seconds` of each, so that load elsewhere on
 * the machine falls on both alike while each block keeps its caches warm.
 */
async function pairedRound(session: ort.InferenceSession, x: ort.Tensor, url: string, body: Uint8Array, headers: Record<string, string>, seconds: number): Promise<RoundFigures> {
  const peer: number[] = [];
  const blocks: LoadReport[] = [];
  const blockRatios: number[] = [];
  for (let k = 0; k * BLOCK_S < seconds; k++) {
    const runPeer = async () => {
      const times: number[] = [];
      const t0 = performance.now();
      while (performance.now() - t0 < BLOCK_S * 1000) {
        const t = performance.now();
        await session.run({ x });
        times.push(performance.now() - t);
      }
      peer.push(...times);
      return times;
    };
    const runServed = () => runLoad({ url, body, headers, concurrency: 1, durationS: BLOCK_S, timeoutMs: 30_000 });
    let times: number[];
    let served: LoadReport;
    if (k % 2 === 0) {
      times = await runPeer();
      served = await runServed();
    } else {
      served = await runServed();
      times = await runPeer();
    }
    blocks.push(served);
    blockRatios.push(served.latency.p50Ms / median(times));
  }
  const ok = blocks.reduce((a, b) => a + b.ok, 0);
  const weighted = (pick: (b: LoadReport) => number | undefined) => blocks.reduce((a, b) => a + (pick(b) ?? 0) * b.ok, 0) / ok;
  const stageNames = Object.keys(blocks[0]?.stages ?? {});
  const report: LoadReport = {
    ...blocks[0]!,
    ok,
    latency: { ...blocks[0]!.latency, meanMs: weighted((b) => b.latency.meanMs) },
    stages: Object.fromEntries(stageNames.map((n) => [n, { meanMs: weighted((b) => b.stages?.[n]?.meanMs), p50Ms: NaN }])),
  };
  return { peerMean: peer.reduce((a, b) => a + b, 0) / peer.length, peerMedian: median(peer), servedMean: report.latency.meanMs, blockRatios, report };
}

/**
 * 2. Overhead at batch 1 on a ~5 ms model: grow the conv stack until one run takes about 5 ms
 * here, then rounds of paired blocks (pairedRound). 'pooled' answers 32 floats (the target's
 * figure); 'map' answers the whole 512 KiB feature map, shown beside it: what moving a large
 * output costs.
 */
async function overhead(head: 'pooled' | 'map'): Promise<void> {
  let layers = 1;
  let path = '';
  let direct = 0;
  for (;;) {
    path = join(dir, `conv-${head}-${layers}.onnx`);
    writeFileSync(path, convStack(32, 64, layers, head));
    direct = (await ortLoop(path, 64, 1)).median;
    // "About 5 ms": within 10% below it (the growth step aims at 5).
    if (direct >= 4.5 || layers >= 64) break;
    // At most doubling: a moment of load elsewhere must not send the size far past 5 ms.
    layers = Math.min(layers * 2, Math.max(layers + 1, Math.round(layers * (5 / direct))));
  }
  const server = await startServer(path, THREAD_ARGS);
  const session = await ort.InferenceSession.create(path, servingSessionOptions(SESSION));
  const x = new ort.Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
  for (let i = 0; i < 5; i++) await session.run({ x });
  const meta = (await (await fetch(`${server.url}/v2/models/m`)).json()) as { inputs: { name: string; datatype: string; shape: number[] }[] };
  const b = await loadBody(meta.inputs, undefined, 1, 0);
  const url = `${server.url}/v2/models/m/infer`;
  await runLoad({ url, body: b.body, headers: b.headers, concurrency: 1, durationS: 0.5, timeoutMs: 30_000 });
  const means: number[] = [];
  const medians: number[] = [];
  const out = head === 'pooled' ? 'y [1,32], 128 B' : 'y [1,32,64,64], 512 KiB';
  console.log(`2${head === 'pooled' ? '' : 'b'}. overhead at batch 1, one client, ${layers}-conv model (32 channels, 64x64; answers ${out}; ${f(direct, 3)} ms a run when sized; threads ${THREADS ?? 'onnxruntime default'} both sides; ${BLOCK_S} s blocks alternating; load average ${load1()}):`);
  for (let r = 0; r < ROUNDS; r++) {
    const fig = await pairedRound(session, x, url, b.body, b.headers, SECONDS);
    means.push(fig.servedMean / fig.peerMean - 1);
    medians.push(median(fig.blockRatios) - 1);
    console.log(`   round ${r + 1}: onnxruntime in a loop ${f(fig.peerMean, 3)} ms mean (median ${f(fig.peerMedian, 3)}); serve-model over HTTP (binary tensors, kept-alive connection answered by the runtime host) ${f(fig.servedMean, 3)} ms mean; overhead ${f(means[r]! * 100, 1)}% of means, ${f(medians[r]! * 100, 1)}% of medians (median over ${fig.blockRatios.length} block pairs of p50 / median)`);
    console.log(`            ${stagesText(fig.report) ?? 'no Server-Timing headers'}`);
  }
  await stop(server);
  // Beside it, one round each: serve-model with every request through the server process
  // (--no-direct: three hops), and the floor (serve-floor.ts: what HTTP and the request handling
  // cost with onnxruntime in the same process, no runtime host).
  const beside = [
    { label: 'serve-model --no-direct (every request through the server process, then the runtime host: three process hops)', start: () => startServer(path, [...THREAD_ARGS, '--no-direct']) },
    { label: "floor (serve-floor.ts: node:http, the same parsing and encoding, onnxruntime in the server's process: no runtime host, no crash isolation)", start: () => startFloor(path) },
  ];
  for (const other of beside) {
    const s = await other.start();
    await runLoad({ url: `${s.url}/v2/models/m/infer`, body: b.body, headers: b.headers, concurrency: 1, durationS: 0.5, timeoutMs: 30_000 });
    const fig = await pairedRound(session, x, `${s.url}/v2/models/m/infer`, b.body, b.headers, SECONDS);
    console.log(`   ${other.label}: onnxruntime in a loop ${f(fig.peerMean, 3)} ms mean; served ${f(fig.servedMean, 3)} ms mean; overhead ${f((fig.servedMean / fig.peerMean - 1) * 100, 1)}% of means, ${f((median(fig.blockRatios) - 1) * 100, 1)}% of medians`);
    await stop(s);
  }
  await session.release();
  const m = median(means);
  console.log(`   overhead of means ${f(m * 100, 1)}% (median over rounds, spread ${f(Math.min(...means) * 100, 1)}..${f(Math.max(...means) * 100, 1)}%); of medians ${f(median(medians) * 100, 1)}% (spread ${f(Math.min(...medians) * 100, 1)}..${f(Math.max(...medians) * 100, 1)}%); target <= 15%: ${m <= 0.15 ? 'met' : 'NOT met'}${busy()}; load average now ${load1()}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
