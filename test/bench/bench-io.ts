// Benchmark of model I/O: opening is bounded by reading the file, saving by writing it.
//
// Generates a transformer-like model (BENCH_IO_MB of float32 weights, default 1024) in one file,
// the same model with its weights as external data, and a ~100 MB one with external data, under
// bench-data/ (reused between runs). Then, in rounds, each measurement runs in a fresh Node
// process (so peak memory is that of the one operation): fs.readFile against openModel,
// onnxruntime-node session creation as the peer, and saveModel against fs.writeFile.
// Prints medians, spreads and ratios against the targets; exits 0 either way (it is a report).
// "Cold" opens are the first in a fresh process (V8 has not compiled the decoder yet); "warm" ones
// follow a few untimed opens, as in a running app. saveModel syncs before it renames (the save is
// atomic and durable); fs.writeFile does not, so the like-for-like peer, writeFile + fsync, is
// printed too. Files are put in the page cache before each measurement.
//
//   npm run bench:io                      BENCH_IO_MB=128 BENCH_IO_ROUNDS=3 npm run bench:io
import { execFile, execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openModel } from '../../electron/io/open-model.js';
import { saveModel } from '../../electron/io/save-model.js';
import { graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

const MiB = 1 << 20;
const HIDDEN = 1024;
/** Weight bytes of one layer: Wq, Wk, Wv, Wo (d×d), W1 (d×4d), W2 (4d×d), float32. */
const layerBytes = (hidden: number): number => 12 * hidden * hidden * 4;
const SMALL_MB = 100;
const FORMAT = 2; // bump when the generated models change, so old ones are not reused
const WARM_OPENS = 5;

// ---------------------------------------------------------------- model generation

function weights(name: string, dims: number[], pool: Float32Array, salt: number): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  // Copy a shifted window of a random pool: realistic-looking values at memcpy speed.
  for (let at = 0, from = (salt * 7919) % pool.length; at < n; from = 0) {
    const take = Math.min(n - at, pool.length - from);
    data.set(pool.subarray(from, from + take), at);
    at += take;
  }
  return { dims, dataType: ElemType.FLOAT, name, rawData: new Uint8Array(data.buffer) };
}

/** A stack of attention-shaped and MLP blocks: MatMul/Add/Relu/LayerNormalization, `layers` deep. */
function transformerLike(layers: number, d: number): ModelProto {
  let seed = 12345;
  const pool = Float32Array.from({ length: (1 << 20) + 17 }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 0.04;
  });
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let salt = 0;
  const w = (name: string, dims: number[]): string => (inits.push(weights(name, dims, pool, salt++)), name);
  const linear = (p: string, x: string, din: number, dout: number): string => {
    const W = w(`${p}.weight`, [din, dout]);
    const b = w(`${p}.bias`, [dout]);
    nodes.push(node('MatMul', [x, W], [`${p}/mm`], undefined, { name: `${p}/MatMul` }));
    nodes.push(node('Add', [`${p}/mm`, b], [`${p}/out`], undefined, { name: `${p}/Add` }));
    return `${p}/out`;
  };
  const norm = (p: string, x: string): string => {
    const s = w(`${p}.scale`, [d]);
    const b = w(`${p}.bias`, [d]);
    nodes.push(node('LayerNormalization', [x, s, b], [`${p}/out`], { axis: -1 }, { name: `${p}/LayerNorm` }));
    return `${p}/out`;
  };
  const add = (name: string, a: string, b: string): string => {
    nodes.push(node('Add', [a, b], [name], undefined, { name }));
    return name;
  };
  let h = 'x';
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    const q = linear(`${p}.attn.q`, h, d, d);
    const k = linear(`${p}.attn.k`, h, d, d);
    const v = linear(`${p}.attn.v`, h, d, d);
    const mix = add(`${p}.attn/mix`, add(`${p}.attn/qk`, q, k), v);
    const o = linear(`${p}.attn.o`, mix, d, d);
    const n1 = norm(`${p}.ln1`, add(`${p}/res1`, h, o));
    const up = linear(`${p}.mlp.up`, n1, d, 4 * d);
    nodes.push(node('Relu', [up], [`${p}.mlp/act`], undefined, { name: `${p}.mlp/Relu` }));
    const down = linear(`${p}.mlp.down`, `${p}.mlp/act`, 4 * d, d);
    h = norm(`${p}.ln2`, add(`${p}/res2`, n1, down));
  }
  nodes.push(node('Identity', [h], ['y'], undefined, { name: 'output' }));
  return model(
    graph({
      name: 'transformer_like',
      nodes,
      inputs: [valueInfo('x', ElemType.FLOAT, ['batch', d])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['batch', d])],
      initializers: inits,
    }),
  );
}

interface Models {
  single: string;
  external: string;
  smallExternal: string;
  layers: number;
  initializers: number;
}

async function prepareModels(dir: string, mb: number): Promise<Models> {
  const layers = Math.max(1, Math.round((mb * MiB) / layerBytes(HIDDEN)));
  // The small model has the same graph (layers, nodes, initializers) with narrower weights, so
  // the two external-data opens differ only in the size of the weights.
  const smallHidden = Math.max(32, Math.round((HIDDEN * Math.sqrt((SMALL_MB * MiB) / (layers * layerBytes(HIDDEN)))) / 32) * 32);
  const models: Models = {
    single: join(dir, 'single', 'model.onnx'),
    external: join(dir, 'external', 'model.onnx'),
    smallExternal: join(dir, 'small-external', 'model.onnx'),
    layers,
    initializers: layers * 16,
  };
  const metaPath = join(dir, 'meta.json');
  const meta = JSON.stringify({ FORMAT, layers, smallHidden, HIDDEN });
  if (existsSync(metaPath) && readFileSync(metaPath, 'utf8') === meta) {
    console.log(`reusing models in ${dir}`);
    return models;
  }
  await rm(dir, { recursive: true, force: true });
  for (const p of [models.single, models.external, models.smallExternal]) await mkdir(resolve(p, '..'), { recursive: true });
  console.log(`generating a ${layers}-layer model (${((layers * layerBytes(HIDDEN)) / MiB).toFixed(0)} MiB of weights) in ${dir} ...`);
  let m: ModelProto | undefined = transformerLike(layers, HIDDEN);
  await saveModel(m, models.single);
  await saveModel(m, models.external, { externalData: { threshold: 1024 } });
  m = undefined;
  global.gc?.();
  await saveModel(transformerLike(layers, smallHidden), models.smallExternal, { externalData: { threshold: 1024 } });
  global.gc?.();
  writeFileSync(metaPath, meta);
  return models;
}

// ---------------------------------------------------------------- one measurement (child process)

type Job =
  | { kind: 'readFile'; path: string }
  /** warm: open the file a few times, untimed, first (the decoder's code compiled, as in a running app). */
  | { kind: 'open'; path: string; warm?: boolean }
  | { kind: 'ort'; path: string; optimize: boolean }
  | { kind: 'save'; path: string; out: string; external: boolean }
  | { kind: 'writeFile'; out: string; bytes: number; fsync: boolean };

interface Measured {
  ms: number;
  /** CPU time of the process (all threads, user + system) during the operation: less disturbed by other load than `ms`, but blind to waiting on the disk. */
  cpuMs: number;
  /** Growth of peak RSS over the process's RSS just before the operation, in bytes. */
  peak: number;
}

function procStatus(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** Forgets the peak RSS so far (Linux: "5" to clear_refs); false where that is not possible. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function runJob(job: Job): Promise<Measured> {
  let run: () => Promise<unknown>;
  switch (job.kind) {
    case 'readFile':
      run = () => readFile(job.path);
      break;
    case 'open':
      if (job.warm) for (let i = 0; i < WARM_OPENS; i++) await openModel(job.path);
      run = () => openModel(job.path);
      break;
    case 'ort': {
      const ort = await import('onnxruntime-node');
      const options = job.optimize ? {} : { graphOptimizationLevel: 'disabled' as const };
      run = () => ort.InferenceSession.create(job.path, options);
      break;
    }
    case 'save': {
      const src = await openModel(job.path);
      const opts = {
        source: { path: src.path, external: src.external },
        ...(job.external ? { externalData: { threshold: 1024 } } : {}),
      };
      // What the app does on save: the IR back to a proto, then the atomic write.
      run = () => saveModel(src.ir.toProto(), job.out, opts);
      break;
    }
    case 'writeFile': {
      const buf = Buffer.alloc(job.bytes, 0x5a);
      run = job.fsync
        ? async () => {
            const fh = await open(job.out, 'w');
            await fh.writeFile(buf);
            await fh.sync();
            await fh.close();
          }
        : () => writeFile(job.out, buf);
      break;
    }
  }
  global.gc?.();
  const canReset = resetPeak();
  const before = procStatus('VmRSS');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peak = (canReset ? procStatus('VmHWM') : process.resourceUsage().maxRSS * 1024) - before;
  void result;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, peak };
}

// ---------------------------------------------------------------- driver

const execFileP = promisify(execFile);
const self = fileURLToPath(import.meta.url);

/** Reads files through a small buffer, so they are in the page cache (this VM evicts idle pages). */
async function intoPageCache(paths: string[]): Promise<void> {
  const buf = Buffer.allocUnsafe(8 * MiB);
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const fh = await open(p, 'r');
    try {
      while ((await fh.read(buf, 0, buf.length, null)).bytesRead > 0);
    } finally {
      await fh.close();
    }
  }
}

async function measure(job: Job): Promise<Measured> {
  if ('path' in job) await intoPageCache([job.path, `${job.path}.data`]);
  if (job.kind === 'save' || job.kind === 'writeFile') {
    await mkdir(resolve(job.out, '..'), { recursive: true });
    await rm(job.out, { force: true });
    await rm(`${job.out}.data`, { force: true });
  }
  // Flush dirty pages of earlier writes so they do not land in this measurement.
  execSync('sync');
  const { stdout } = await execFileP(process.execPath, ['--expose-gc', self, '--child', JSON.stringify(job)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measured;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const spread = (xs: number[]): string => `${fmtMs(median(xs))} [${fmtMs(Math.min(...xs))}..${fmtMs(Math.max(...xs))}]`;
const fmtMiB = (b: number): string => `${(b / MiB).toFixed(0)} MiB`;

async function fileBytes(path: string): Promise<number> {
  const main = (await stat(path)).size;
  const data = await stat(`${path}.data`).catch(() => undefined);
  return main + (data?.size ?? 0);
}

async function main(): Promise<void> {
  const mb = Number(process.env.BENCH_IO_MB ?? 1024);
  const rounds = Number(process.env.BENCH_IO_ROUNDS ?? 5);
  const withOrt = process.env.BENCH_IO_ORT !== '0';
  const dir = resolve(process.env.BENCH_IO_DIR ?? join('bench-data', `io-${mb}`));
  const models = await prepareModels(dir, mb);
  // Per run, so that two runs sharing the models do not remove each other's outputs.
  const out = join(dir, `out-${process.pid}`);
  await mkdir(out, { recursive: true });
  const size = (await stat(models.single)).size;
  const extSize = await fileBytes(models.external);
  const smallSize = await fileBytes(models.smallExternal);

  const jobs: Record<string, Job> = {
    readFile: { kind: 'readFile', path: models.single },
    open: { kind: 'open', path: models.single },
    openExt: { kind: 'open', path: models.external },
    openExtSmall: { kind: 'open', path: models.smallExternal },
    openExtWarm: { kind: 'open', path: models.external, warm: true },
    openExtSmallWarm: { kind: 'open', path: models.smallExternal, warm: true },
    write: { kind: 'writeFile', out: join(out, 'plain.bin'), bytes: size, fsync: false },
    writeSync: { kind: 'writeFile', out: join(out, 'plain.bin'), bytes: size, fsync: true },
    save: { kind: 'save', path: models.single, out: join(out, 'saved.onnx'), external: false },
    saveExt: { kind: 'save', path: models.single, out: join(out, 'saved-ext.onnx'), external: true },
    saveExtExt: { kind: 'save', path: models.external, out: join(out, 'saved-ext2.onnx'), external: false },
    ...(withOrt
      ? {
          ortOff: { kind: 'ort', path: models.single, optimize: false },
          ortOn: { kind: 'ort', path: models.single, optimize: true },
          ortExtOff: { kind: 'ort', path: models.external, optimize: false },
          ortExtSmallOff: { kind: 'ort', path: models.smallExternal, optimize: false },
        }
      : {}),
  };
  // BENCH_IO_ONLY=open,openExt runs only those measurements (for profiling one of them).
  const only = process.env.BENCH_IO_ONLY?.split(',');
  if (only) for (const k of Object.keys(jobs)) if (!only.includes(k)) delete jobs[k];
  const results: Record<string, Measured[]> = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  console.log(
    `model: ${models.layers} layers, ${models.initializers} initializers; one file ${fmtMiB(size)}, ` +
      `external ${fmtMiB(extSize)}, small external ${fmtMiB(smallSize)}; ${rounds} rounds\n`,
  );
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const [name, job] of Object.entries(jobs)) results[name]!.push(await measure(job));
    console.log(`round ${r + 1}/${rounds} done in ${fmtMs(performance.now() - t0)}`);
  }
  await rm(out, { recursive: true, force: true });
  report(results, size, withOrt);
}

function report(res: Record<string, Measured[]>, size: number, withOrt: boolean): void {
  const ms = (k: string): number[] => res[k]!.map((m) => m.ms);
  const med = (k: string): number => median(ms(k));
  const perRound = (a: string, b: string): number[] => res[a]!.map((m, i) => m.ms / res[b]![i]!.ms);
  const best = (k: string): number => Math.min(...ms(k));
  // Median against median decides; best against best (the least disturbed runs) and the spread of
  // per-round ratios show how much of a result is this machine's noise.
  const ratio = (a: string, b: string): string => {
    const xs = perRound(a, b);
    const spreadOf = `${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)}`;
    return `${(med(a) / med(b)).toFixed(2)} (best ${(best(a) / best(b)).toFixed(2)}, rounds ${spreadOf})`;
  };
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

  console.log('\ntimes: median [min..max]');
  const label: Record<string, string> = {
    readFile: 'fs.readFile (one file)',
    open: 'openModel (one file)',
    openExt: 'openModel (external data, full size; cold)',
    openExtSmall: `openModel (external data, ~${SMALL_MB} MB; cold)`,
    openExtWarm: `openModel (external, full size; warm)`,
    openExtSmallWarm: `openModel (external, ~${SMALL_MB} MB; warm)`,
    ortOff: 'ort create (one file, optimizer off)',
    ortOn: 'ort create (one file, optimizer on)',
    ortExtOff: 'ort create (external, optimizer off)',
    ortExtSmallOff: `ort create (external ~${SMALL_MB} MB, opt. off)`,
    write: 'fs.writeFile (same bytes)',
    writeSync: 'fs.writeFile + fsync (same bytes)',
    save: 'saveModel one file -> one file',
    saveExt: 'saveModel one file -> external data',
    saveExtExt: 'saveModel external -> external',
  };
  const cpu = (k: string): number => median(res[k]!.map((m) => m.cpuMs));
  for (const k of Object.keys(res)) {
    const peak = median(res[k]!.map((m) => m.peak));
    console.log(`  ${label[k]!.padEnd(44)} ${spread(ms(k)).padEnd(34)} cpu ${fmtMs(cpu(k)).padEnd(10)} peak +${fmtMiB(peak)}`);
  }

  const has = (...ks: string[]): boolean => ks.every((k) => res[k]?.length);
  const rows: [string, string, string, boolean][] = [];
  const target = (keys: string[], what: string, value: () => string, goal: string, ok: () => boolean): void => {
    if (has(...keys)) rows.push([what, value(), goal, ok()]);
  };
  const peakOpen = (): number => median(res.open!.map((m) => m.peak)) / size;
  target(['open', 'readFile'], 'open / readFile (one file)', () => ratio('open', 'readFile'), '<= 1.5', () => med('open') / med('readFile') <= 1.5);
  target(['open'], 'peak memory of open / file size', () => peakOpen().toFixed(2), '< 1.2', () => peakOpen() < 1.2);
  target(['openExt'], 'open, external data (full size, cold)', () => fmtMs(med('openExt')), '< 50 ms', () => med('openExt') < 50);
  target(['openExtSmall'], `open, external data (~${SMALL_MB} MB, cold)`, () => fmtMs(med('openExtSmall')), '< 50 ms', () => med('openExtSmall') < 50);
  for (const [k, what] of [
    ['save', 'save one file / writeFile'],
    ['saveExt', 'save to external data / writeFile'],
    ['saveExtExt', 'save external -> external / writeFile'],
  ] as const) {
    target([k, 'write'], what, () => ratio(k, 'write'), '<= 2', () => med(k) / med('write') <= 2);
  }
  console.log('\ntargets');
  for (const [what, value, goal, ok] of rows) console.log(`  ${verdict(ok)}  ${what.padEnd(40)} ${value.padEnd(42)} target ${goal}`);

  const info = (keys: string[], what: string, value: () => string): void => {
    if (has(...keys)) console.log(`  ${what.padEnd(44)} ${value()}`);
  };
  console.log('\nfor reference (no target)');
  info(['openExt', 'openExtSmall'], 'open external: full size / ~100 MB', () => ratio('openExt', 'openExtSmall'));
  info(['openExtWarm'], 'open, external data (full size, warm)', () => fmtMs(med('openExtWarm')));
  info(['save', 'writeSync'], 'save one file / (writeFile + fsync)', () => ratio('save', 'writeSync'));
  info(['saveExt', 'writeSync'], 'save to external / (writeFile + fsync)', () => ratio('saveExt', 'writeSync'));
  info(['saveExtExt', 'writeSync'], 'save external -> ext. / (writeFile + fsync)', () => ratio('saveExtExt', 'writeSync'));
  console.log('  CPU time (median), when other load makes the wall-clock ratios unreliable:');
  info(['open', 'readFile'], '  open / readFile', () => (cpu('open') / cpu('readFile')).toFixed(2));
  for (const k of ['save', 'saveExt', 'saveExtExt']) info([k, 'write'], `  ${k} / writeFile`, () => (cpu(k) / cpu('write')).toFixed(2));
  info(['readFile'], 'peak memory of fs.readFile / file size', () => (median(res.readFile!.map((m) => m.peak)) / size).toFixed(2));
  if (withOrt) {
    console.log('\npeer: onnxruntime-node InferenceSession.create');
    info(['ortOff', 'open'], 'ort (optimizer off) / openModel, one file', () => ratio('ortOff', 'open'));
    info(['ortOn', 'open'], 'ort (optimizer on) / openModel, one file', () => ratio('ortOn', 'open'));
    info(['ortExtOff', 'openExt'], 'ort (optimizer off) / openModel, external', () => ratio('ortExtOff', 'openExt'));
    info(['ortOff', 'open'], 'ort peak / openModel peak, one file', () =>
      (median(res.ortOff!.map((m) => m.peak)) / median(res.open!.map((m) => m.peak))).toFixed(2),
    );
  }
}

if (process.argv[2] === '--child') {
  const m = await runJob(JSON.parse(process.argv[3]!) as Job);
  console.log(JSON.stringify(m));
  // onnxruntime's threads can keep the process alive; the measurement is done.
  process.exit(0);
} else {
  await main();
}
