// Effect of the optimizer on one model, beside its peers: our default preset for both targets,
// onnxruntime's own optimizer (the model it writes with optimizedModelFilePath at level 'all'),
// onnxsim and onnxslim. For each version: node count, what it took to make, latency under
// onnxruntime against the original, output agreement, and whether dynamic dims stayed dynamic.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ortMessage } from '../../electron/runtime/ort-session.js';
import type { PassReport } from '../../shared/rewrite/pass-manager.js';
import type { Target } from '../../shared/rewrite/pass.js';
import { measureLatency, type LatencyOptions, type VersionTiming } from './optimize-latency.js';
import { interfaceProblems, modelFileFacts, type ModelFacts } from './optimize-model-facts.js';
import type { BenchModel } from './optimize-models.js';
import { runOurs } from './optimize-ours.js';
import { PYTHON_TOOLS, runPythonPeer, type PythonPeers } from './optimize-python-peers.js';
import { ms, table } from './optimize-table.js';

export type VersionKind = 'original' | 'ours' | 'onnxruntime' | 'python';

export interface VersionResult {
  label: string;
  kind: VersionKind;
  target?: Target;
  path?: string;
  facts?: ModelFacts;
  optMs?: number;
  evaluatorMs?: number;
  passes?: PassReport[];
  /** Interface problems against the original (frozen dims, missing outputs). */
  problems: string[];
  /** Why this version could not be made. */
  error?: string;
  note?: string;
  timing?: VersionTiming;
  /** Original's median / this version's median: above 1 is faster. */
  ratio?: number;
}

export interface ModelResult {
  key: string;
  source: string;
  inputText: string;
  checksText: string;
  runs: number;
  versions: VersionResult[];
}

const PEER_TIMEOUT_MS = 300_000;

function oneLine(e: unknown): string {
  return ortMessage(e);
}

async function ortOptimized(input: string, output: string, threads: number): Promise<VersionResult> {
  const v: VersionResult = { label: 'onnxruntime (all)', kind: 'onnxruntime', problems: [] };
  const t0 = performance.now();
  try {
    const s = await ort.InferenceSession.create(input, {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: output,
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      logSeverityLevel: 3,
    });
    v.optMs = performance.now() - t0;
    await s.release();
    v.path = output;
    v.note = 'session creation time (optimization included)';
  } catch (e) {
    v.error = oneLine(e);
  }
  return v;
}

export async function modelEffect(m: BenchModel, outDir: string, peers: PythonPeers, latency: LatencyOptions, log: (s: string) => void): Promise<ModelResult> {
  await mkdir(outDir, { recursive: true });
  const out = (suffix: string) => join(outDir, `${m.key}.${suffix}.onnx`);
  const versions: VersionResult[] = [{ label: 'original', kind: 'original', path: m.path, problems: [] }];

  for (const target of ['portable', 'onnxruntime'] as const) {
    const v: VersionResult = { label: `ours/${target}`, kind: 'ours', target, problems: [] };
    log(`  ${m.key}: ours, target ${target} ...`);
    try {
      const r = await runOurs(m.path, target, { output: out(`ours-${target}`) });
      Object.assign(v, { path: out(`ours-${target}`), optMs: r.ms, evaluatorMs: r.evaluatorMs, passes: r.result.passes });
    } catch (e) {
      v.error = e instanceof Error ? e.message : String(e);
    }
    versions.push(v);
  }
  log(`  ${m.key}: onnxruntime's optimizer ...`);
  versions.push(await ortOptimized(m.path, out('onnxruntime'), latency.threads));
  for (const tool of PYTHON_TOOLS) {
    const v: VersionResult = { label: tool, kind: 'python', problems: [] };
    if (!peers.python) v.error = `not available (${peers.unavailable})`;
    else {
      log(`  ${m.key}: ${tool} ...`);
      const r = await runPythonPeer(peers, tool, m.path, out(tool), PEER_TIMEOUT_MS);
      if (r.ok) Object.assign(v, { path: out(tool), optMs: r.ms });
      else v.error = r.error;
      if (r.note) v.note = r.note;
    }
    versions.push(v);
  }

  for (const v of versions) {
    if (!v.path) continue;
    try {
      v.facts = await modelFileFacts(v.path);
    } catch (e) {
      v.error = `cannot decode what it wrote: ${oneLine(e)}`;
      v.path = undefined;
    }
  }
  const original = versions[0]!.facts!;
  for (const v of versions.slice(1)) if (v.facts) v.problems = interfaceProblems(original, v.facts);

  log(`  ${m.key}: latency ...`);
  const live = versions.filter((v) => v.path);
  const report = await measureLatency(
    live.map((v) => ({ label: v.label, path: v.path! })),
    m.feeds(),
    latency,
    m.checks(),
  );
  live.forEach((v, i) => (v.timing = report.versions[i]));
  const base = versions[0]!.timing?.medianMs;
  for (const v of versions) if (base && v.timing?.medianMs) v.ratio = base / v.timing.medianMs;
  const checksText = m.checks().map((c) => c.label).join('; ') || 'nothing else';
  return { key: m.key, source: m.source, inputText: m.inputText, checksText, runs: report.runs, versions };
}

function custom(f: ModelFacts | undefined): string {
  if (!f) return '';
  const e = Object.entries(f.customOps);
  return e.length ? e.map(([d, n]) => `${d}:${n}`).join(' ') : '-';
}

function outputsText(v: VersionResult): string {
  const o = v.timing?.outputs;
  if (!o) return v.timing?.error ? 'FAILS TO RUN' : '';
  const err = o.maxAbs === null ? '' : ` ${o.maxAbs.toExponential(1)}`;
  return o.ok ? `ok${err}` : `WRONG${err}`;
}

/** Node counts by operator for the operators whose count differs between versions. */
function opTypeTable(versions: readonly VersionResult[]): string {
  const withFacts = versions.filter((v) => v.facts);
  const types = [...new Set(withFacts.flatMap((v) => Object.keys(v.facts!.ops)))].sort();
  const count = (v: VersionResult, t: string) => v.facts!.ops[t] ?? 0;
  const differing = types.filter((t) => withFacts.some((v) => count(v, t) !== count(withFacts[0]!, t)));
  if (!differing.length) return '  node counts by operator: the same in every version';
  const rows = differing.map((t) => [t, ...withFacts.map((v) => String(count(v, t)))]);
  return `  node counts by operator (those that differ between versions):\n${table(['operator', ...withFacts.map((v) => v.label)], rows)}`;
}

export function printModel(r: ModelResult, out: (s: string) => void): void {
  const orig = r.versions[0]!;
  out(`\n${r.key}: ${r.source}`);
  out(`  inputs ${r.inputText}; ${r.runs} interleaved runs per version after warm-up`);
  out(`  outputs also compared on: ${r.checksText}`);
  out('  ratio = original median / version median; paired = median over rounds of original / version in the same round');
  const rows = r.versions.map((v) => [
    v.label,
    v.facts ? String(v.facts.nodes) + (v.facts.mainNodes !== v.facts.nodes ? ` (${v.facts.mainNodes} main)` : '') : '-',
    v.facts && orig.facts && v !== orig ? String(v.facts.nodes - orig.facts.nodes) : '',
    custom(v.facts),
    v.optMs !== undefined ? ms(v.optMs) + (v.evaluatorMs ? ` (ort ${ms(v.evaluatorMs)})` : '') : '',
    v.timing?.medianMs != null ? ms(v.timing.medianMs) : '-',
    v.timing?.iqrMs != null ? ms(v.timing.iqrMs) : '',
    v.ratio !== undefined ? v.ratio.toFixed(3) : '',
    v.timing?.pairedRatio != null ? v.timing.pairedRatio.toFixed(3) : '',
    v === orig ? 'reference' : outputsText(v),
    v.problems.length ? 'FROZEN/CHANGED' : v.facts && v !== orig ? 'dims kept' : '',
  ]);
  out(table(['version', 'nodes', 'Δ', 'non-standard ops', 'optimize time', 'median', 'IQR', 'ratio', 'paired', 'outputs', 'interface'], rows));
  for (const v of r.versions) {
    if (v.error) out(`  ${v.label}: ${v.error}`);
    if (v.timing?.error) out(`  ${v.label}: onnxruntime: ${v.timing.error}`);
    if (v.timing?.outputs && !v.timing.outputs.ok) out(`  ${v.label}: outputs: ${v.timing.outputs.reason}`);
    for (const p of v.problems) out(`  ${v.label}: ${p}`);
    if (v.note && v.kind === 'python') out(`  ${v.label}: ${v.note}`);
  }
  out(opTypeTable(r.versions));
  for (const v of r.versions.filter((x) => x.passes)) {
    const fired = v.passes!.filter((p) => p.matches > 0).map((p) => `${p.name} ${p.matches}`);
    out(`  ${v.label} passes: ${fired.join(', ') || '(none fired)'}`);
  }
}
