// Engine speed: the default preset on generated transformer-like graphs of 1k, 10k and 100k
// nodes, each measurement in a child process (optimize-engine-run.ts) with a time limit. Timed
// without the constant evaluator (so no onnxruntime calls at all), and with it, its calls timed
// apart. Targets: 10k nodes under 1 s without onnxruntime's time; time linear in size.
//
// Wall time grows with whatever else keeps the CPUs busy; the process's CPU time does not, but
// counts the garbage collector's helper threads too. Each run is judged by the smaller of the two,
// an estimate of its wall time on an idle machine; both are printed.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelBytes } from '../../shared/builder/index.js';
import type { EngineRun } from './optimize-engine-run.js';
import { layersFor, transformerLike } from './models/transformer-like.js';
import { median, ms, table } from './optimize-table.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./optimize-engine-run.js', import.meta.url));
const FORMAT = 2; // bump when the generator changes, so old files are not reused

/** Figures of one mode: medians over the warm runs (all but the first when there are several). */
export interface ModeResult {
  /** Engine time (runPasses less the evaluator's calls): wall, CPU, and the smaller of the two run by run. */
  wallMs: number;
  cpuMs: number;
  estimateMs: number;
  /** The same estimate for the first run, in a fresh process (cold JIT: what one CLI call sees). */
  firstMs: number;
  evaluatorMs: number;
  evaluatedNodes: number;
  openMs: number;
  nodesAfter: number;
  run: EngineRun;
}

export interface SizeResult {
  size: number;
  nodes: number;
  layers: number;
  noEval?: ModeResult;
  withEval?: ModeResult;
  errors: string[];
}

export interface EngineReport {
  sizes: SizeResult[];
  /** Engine ms for 10k nodes (warm estimate), the larger of the two modes. */
  ms10k?: number;
  firstMs10k?: number;
  /** t(100k) / t(10k), warm estimates without the evaluator. */
  growth?: number;
}

async function child(path: string, mode: 'evaluator' | 'no-evaluator', reps: number, timeoutMs: number): Promise<EngineRun> {
  const { stdout } = await run(process.execPath, ['--max-old-space-size=12288', CHILD, path, 'portable', mode, String(reps)], {
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as EngineRun;
}

function why(e: unknown): string {
  const err = e as { killed?: boolean; signal?: string; stderr?: string; message?: string };
  if (err.killed || err.signal === 'SIGKILL') return 'timed out';
  const lines = (err.stderr || err.message || String(e)).trim().split('\n').filter((l) => /Error|error/.test(l));
  return (lines[0] ?? String(e)).slice(0, 300);
}

function sizeLabel(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

function summarize(r: EngineRun): ModeResult {
  const wall = r.runMs.map((t, i) => t - r.evaluatorMs[i]!);
  const cpu = r.runCpuMs.map((t, i) => t - r.evaluatorCpuMs[i]!);
  const estimate = wall.map((w, i) => Math.min(w, cpu[i]!));
  const warm = <T>(xs: T[]): T[] => (xs.length > 1 ? xs.slice(1) : xs);
  return {
    wallMs: median(warm(wall)),
    cpuMs: median(warm(cpu)),
    estimateMs: median(warm(estimate)),
    firstMs: estimate[0]!,
    evaluatorMs: median(warm(r.evaluatorMs)),
    evaluatedNodes: r.evaluatedNodes,
    openMs: median(r.openMs),
    nodesAfter: r.nodesAfter,
    run: r,
  };
}

export async function engineSpeed(dir: string, sizes: readonly number[], log: (s: string) => void): Promise<EngineReport> {
  await mkdir(dir, { recursive: true });
  const report: EngineReport = { sizes: [] };
  for (const size of sizes) {
    const layers = layersFor(size);
    const path = join(dir, `transformer-${sizeLabel(size)}.v${FORMAT}.onnx`);
    const m = transformerLike(layers);
    if (!existsSync(path)) await writeFile(path, modelBytes(m));
    const r: SizeResult = { size, nodes: m.graph!.node!.length, layers, errors: [] };
    report.sizes.push(r);
    // Two runs at the largest size: the second (warm JIT, like the smaller sizes' medians) is the one compared.
    const reps = size <= 10000 ? 5 : 2;
    const limit = Math.max(120_000, size * 3) * reps;
    log(`engine: ${r.nodes} nodes (${layers} layers), ${reps} run(s) without the evaluator and ${reps} with it ...`);
    for (const mode of ['no-evaluator', 'evaluator'] as const) {
      try {
        const s = summarize(await child(path, mode, reps, limit));
        if (mode === 'evaluator') r.withEval = s;
        else r.noEval = s;
      } catch (e) {
        r.errors.push(`${mode}: ${why(e)}`);
      }
    }
  }
  const at = (n: number) => report.sizes.find((s) => s.size === n);
  const s10 = at(10000);
  if (s10?.noEval || s10?.withEval) {
    report.ms10k = Math.max(s10.noEval?.estimateMs ?? 0, s10.withEval?.estimateMs ?? 0);
    report.firstMs10k = Math.max(s10.noEval?.firstMs ?? 0, s10.withEval?.firstMs ?? 0);
  }
  const s100 = at(100000);
  if (s10?.noEval && s100?.noEval) report.growth = s100.noEval.estimateMs / s10.noEval.estimateMs;
  return report;
}

export function printEngine(report: EngineReport, out: (s: string) => void): void {
  out('\nengine speed: default preset, target portable, generated transformer-like graphs (symbolic batch/seq)');
  out('  runPasses only (opening the file apart), onnxruntime\'s time taken out; "engine" = min(wall, CPU) run by run,');
  out('  median of the warm runs; "first" = the first run in a fresh process (cold JIT)');
  const cols = (m: ModeResult | undefined): string[] =>
    m ? [ms(m.estimateMs), `${ms(m.wallMs)} / ${ms(m.cpuMs)}`, ms(m.firstMs)] : ['-', '-', '-'];
  const rows = report.sizes.map((s) => [
    s.nodes.toLocaleString('en-US'),
    s.noEval ? ms(s.noEval.openMs) : '-',
    ...cols(s.noEval),
    s.noEval ? ((s.noEval.estimateMs / s.nodes) * 1000).toFixed(1) : '-',
    s.noEval ? String(s.noEval.nodesAfter) : '-',
    ...cols(s.withEval),
    s.withEval ? `${ms(s.withEval.evaluatorMs)} (${s.withEval.evaluatedNodes} nodes)` : '-',
    s.withEval ? String(s.withEval.nodesAfter) : '-',
    s.noEval ? `${Math.round(s.noEval.run.peakRssMiB)} MiB` : '-',
  ]);
  out(
    table(
      ['nodes', 'open', 'engine', 'wall / CPU', 'first', 'ms per 1k nodes', 'after', 'engine (eval)', 'wall / CPU', 'first', 'in evaluator', 'after (eval)', 'peak RSS'],
      rows,
    ),
  );
  out('  (left: without the constant evaluator; "(eval)": with it, its calls timed apart)');
  for (const s of report.sizes) for (const e of s.errors) out(`  ${s.nodes} nodes: ${e}`);
  for (const mode of ['noEval', 'withEval'] as const) {
    const big = [...report.sizes].reverse().find((s) => s[mode]);
    const m = big?.[mode];
    if (!big || !m) continue;
    const slow = [...m.run.passes].sort((a, b) => b.ms - a.ms).slice(0, 6);
    out(`  slowest passes at ${big.nodes} nodes, ${mode === 'noEval' ? 'no evaluator' : 'with evaluator'} (wall): ${slow.map((p) => `${p.name} ${ms(p.ms)} (${p.skipped ? 'skipped' : `${p.matches} matches`})`).join(', ')}`);
  }
}
