// Benchmark of the optimizer (a report, not a timed test: it exits 0 either way).
//
// Engine speed: the default preset on generated transformer-like graphs of ~1k, 10k and 100k
// nodes, without the constant evaluator (no onnxruntime calls) and with it (its calls timed
// apart). Targets: 10k nodes in under 1 s; time linear in graph size.
//
// Effect: on the real models npm packages ship and on generated ResNet- and BERT-like models,
// node counts before/after and onnxruntime latency (CPU, graph optimization 'all', the same
// thread count, interleaved runs) of the original and of every optimized version: ours (both
// targets) and the peers, onnxruntime's own optimizer (its optimizedModelFilePath output),
// onnxsim and onnxslim (installed with pip into bench-data/.venv-bench when python3 is there).
// Targets: ours never slower than the original (ratio >= 0.98), as few nodes as the best peer
// that keeps outputs right and dynamic dims dynamic, and ours never wrong nor freezing dims.
//
//   npm run bench:optimize
//   BENCH_OPT_SIZES=1000,10000  BENCH_OPT_MODELS=bert-like,resnet-like  BENCH_OPT_THREADS=2
//   BENCH_OPT_PYTHON=0 (skip the Python peers)  BENCH_OPT_VENV=DIR (another virtual environment)
//   BENCH_OPT_ENGINE=0 / BENCH_OPT_EFFECT=0 (skip a part)
//   BENCH_OPT_BUDGET_MS=4000 (timed runs per model, all versions together)
//
// Figures are written to bench-data/optimize/results.json as well.

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { modelEffect, printModel, type ModelResult, type VersionResult } from './optimize-effect.js';
import { engineSpeed, printEngine, type EngineReport } from './optimize-engine-speed.js';
import { benchModels } from './optimize-models.js';
import { preparePythonPeers, type PythonPeers } from './optimize-python-peers.js';
import { ms, table, verdict } from './optimize-table.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = join(ROOT, 'bench-data', 'optimize');
const ENGINE_TARGET_MS = 1000;
/** t(100k)/t(10k) up to this counts as linear (10 is exactly linear; the rest is slack for GC and caches). */
const LINEAR_SLACK = 13;
const MIN_RATIO = 0.98;
const NOISY_SPREAD = 0.25;

const env = (k: string, d: string): string => process.env[k] ?? d;
const log = (s: string) => console.log(s);
// Latency and engine times move with whatever else runs on the machine: say how busy it was.
const load = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs`;

function valid(v: VersionResult | undefined): boolean {
  return !!v?.facts && !!v.timing?.outputs?.ok && v.problems.length === 0;
}

interface Verdicts {
  key: string;
  cells: string[];
  checks: (boolean | undefined)[];
}

function judge(r: ModelResult): Verdicts {
  const by = (label: string) => r.versions.find((v) => v.label === label);
  const ours = [by('ours/portable'), by('ours/onnxruntime')];
  // A peer that wrote contrib operators (onnxsim can emit com.microsoft Attention) is no portable peer.
  const standardOnly = (v: VersionResult | undefined) => !!v?.facts && Object.keys(v.facts.customOps).length === 0;
  const pythonPeers = ['onnxsim', 'onnxslim'].map(by).filter(valid);
  const portablePeers = pythonPeers.filter(standardOnly);
  const allPeers = [...pythonPeers, by('onnxruntime (all)')].filter(valid);
  const best = (vs: (VersionResult | undefined)[]) => (vs.length ? Math.min(...vs.map((v) => v!.facts!.nodes)) : undefined);
  const bestPortable = best(portablePeers);
  const bestAll = best(allPeers);
  const who = (vs: (VersionResult | undefined)[], n: number | undefined) => {
    const v = vs.find((x) => x!.facts!.nodes === n);
    return v ? ` (${v.label.replace(' (all)', '')})` : '';
  };
  const ratioOk = (v: VersionResult | undefined) => (v?.ratio === undefined ? undefined : v.ratio >= MIN_RATIO);
  const nodesOk = (v: VersionResult | undefined, peer: number | undefined) => (v?.facts && peer !== undefined ? v.facts.nodes <= peer : undefined);
  const correct = (v: VersionResult | undefined) => (v?.facts ? valid(v) : false);
  const checks = [ratioOk(ours[0]), ratioOk(ours[1]), nodesOk(ours[0], bestPortable), nodesOk(ours[1], bestAll), correct(ours[0]), correct(ours[1])];
  const n = (v: VersionResult | undefined) => (v?.facts ? String(v.facts.nodes) : '-');
  const paired = (v: VersionResult | undefined) => (v?.timing?.pairedRatio != null ? ` (paired ${v.timing.pairedRatio.toFixed(3)})` : '');
  // Spread over a quarter of the median (the original's or this version's): the ratio is within noise.
  const spread = (t: VersionResult['timing']) => (t?.iqrMs != null && t.medianMs ? t.iqrMs / t.medianMs : 0);
  const noisy = (v: VersionResult | undefined) => (Math.max(spread(r.versions[0]!.timing), spread(v?.timing)) > NOISY_SPREAD ? ' noisy' : '');
  const cells = [
    `${verdict(checks[0])} ${ours[0]?.ratio?.toFixed(3) ?? '-'}${paired(ours[0])}${noisy(ours[0])}`,
    `${verdict(checks[1])} ${ours[1]?.ratio?.toFixed(3) ?? '-'}${paired(ours[1])}${noisy(ours[1])}`,
    `${verdict(checks[2])} ${n(ours[0])} vs ${bestPortable ?? '-'}${who(portablePeers, bestPortable)}`,
    `${verdict(checks[3])} ${n(ours[1])} vs ${bestAll ?? '-'}${who(allPeers, bestAll)}`,
    `${verdict(checks[4])}/${verdict(checks[5])}`,
  ];
  return { key: r.key, cells, checks };
}

function peerFailures(results: readonly ModelResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    for (const v of r.versions) {
      if (v.kind === 'original' || v.kind === 'ours') continue;
      const what = [
        ...(v.timing?.outputs && !v.timing.outputs.ok ? [`wrong outputs (${v.timing.outputs.reason})`] : []),
        ...(v.timing?.error ? [`onnxruntime cannot run it (${v.timing.error.slice(0, 120)})`] : []),
        ...v.problems,
        ...(v.error && !v.error.startsWith('not available') ? [`failed: ${v.error.slice(0, 160)}`] : []),
      ];
      if (what.length) lines.push(`  ${r.key} / ${v.label}: ${what.join('; ')}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const threads = Number(env('BENCH_OPT_THREADS', '1'));
  const sizes = env('BENCH_OPT_SIZES', '1000,10000,100000').split(',').map(Number).filter((n) => n > 0);
  const budgetMs = Number(env('BENCH_OPT_BUDGET_MS', '4000'));
  const preset = PRESETS.default ?? [];
  log(`optimizer benchmark: default preset = ${preset.length} passes (${preset.join(', ')}); ${ALL_PASSES.length} passes registered`);
  log(`onnxruntime CPU, ${threads} intra-op thread(s), graph optimization 'all' for latency; output reference: original with onnxruntime's optimizer off`);
  log(`at start: ${load()}`);

  let engine: EngineReport | undefined;
  if (env('BENCH_OPT_ENGINE', '1') !== '0') {
    engine = await engineSpeed(join(DATA, 'engine'), sizes, log);
    printEngine(engine, log);
  }

  const results: ModelResult[] = [];
  let peers: PythonPeers | undefined;
  if (env('BENCH_OPT_EFFECT', '1') !== '0') {
    peers = { unavailable: 'skipped (BENCH_OPT_PYTHON=0)', versions: {} };
    if (env('BENCH_OPT_PYTHON', '1') !== '0') peers = await preparePythonPeers(env('BENCH_OPT_VENV', join(ROOT, 'bench-data', '.venv-bench')), log);
    log(
      peers.python
        ? `\nPython peers: ${Object.entries(peers.versions).map(([k, v]) => `${k} ${v}`).join(', ')} (${peers.python})`
        : `\nonnxsim/onnxslim: not available (${peers.unavailable}); going on without them`,
    );
    const only = env('BENCH_OPT_MODELS', '').split(',').filter(Boolean);
    const models = (await benchModels(ROOT, join(DATA, 'models'))).filter((m) => !only.length || only.includes(m.key));
    for (const m of models) {
      log(`\n${m.key} ...`);
      try {
        const r = await modelEffect(m, join(DATA, 'out'), peers, { threads, warmup: 5, minRuns: 30, maxRuns: 400, budgetMs }, log);
        results.push(r);
        printModel(r, log);
      } catch (e) {
        log(`  ${m.key}: the benchmark could not measure it: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  log('\n==================== summary ====================');
  log(`  at end: ${load()}`);
  if (engine) {
    const growth = engine.growth;
    const first = engine.firstMs10k === undefined ? '' : `; first run in a fresh process ${ms(engine.firstMs10k)}`;
    log(`  ${verdict(engine.ms10k === undefined ? undefined : engine.ms10k < ENGINE_TARGET_MS)}  engine: default preset on 10k nodes, onnxruntime's time excluded: ${engine.ms10k === undefined ? 'n/a' : ms(engine.ms10k)} warm, min(wall, CPU) (target < ${ENGINE_TARGET_MS} ms${first})`);
    log(`  ${verdict(growth === undefined ? undefined : growth <= LINEAR_SLACK)}  engine: linear growth, t(100k)/t(10k) = ${growth?.toFixed(1) ?? 'n/a'} (10 = linear; target <= ${LINEAR_SLACK})`);
  }
  if (results.length) {
    const judged = results.map(judge);
    log(`\n  per model (ratio = original median / optimized median, target >= ${MIN_RATIO}; nodes vs the best peer whose outputs are right and dims kept:`);
    log('  portable vs onnxsim/onnxslim where they wrote standard operators only, onnxruntime target vs those and onnxruntime\'s own;');
    log('  correct = outputs within tolerance and dims kept;');
    log(`  "noisy": interquartile range over ${NOISY_SPREAD * 100}% of the median, the machine was busy: rerun before trusting a few percent)`);
    log(table(['model', 'ratio portable', 'ratio onnxruntime', 'nodes portable', 'nodes onnxruntime', 'correct p/o'], judged.map((j) => [j.key, ...j.cells])));
    const all = judged.flatMap((j) => j.checks);
    log(`  per-model targets met: ${all.filter((c) => c === true).length} PASS, ${all.filter((c) => c === false).length} MISS, ${all.filter((c) => c === undefined).length} N/A`);
    const failures = peerFailures(results);
    log(failures.length ? `\n  peers' failure modes seen:\n${failures.join('\n')}` : '\n  peers: no wrong outputs or frozen dims seen');
  }
  if (peers && !peers.python) log(`  onnxsim/onnxslim: not available (${peers.unavailable})`);

  const json = JSON.stringify({ date: new Date().toISOString(), threads, preset, engine, peers, results }, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v), 2);
  await writeFile(join(DATA, 'results.json'), json);
  log(`\nfigures: ${join(DATA, 'results.json')}`);
}

await main();
