// Command-line options shared by `profile` and `compare`, and their text output: progress lines
// on stderr, the top-nodes table and the latency lines on stdout.

import { WorkbenchError } from '../../shared/errors.js';
import type { ProfileReport } from '../../shared/profile/report-schema.js';
import { INPUT_FILLS, type InputFill } from '../../shared/verify/input-spec.js';
import { parseDims, type OptionKind, type ParsedArgs } from '../cli/args.js';
import type { CommandIO } from '../cli/command.js';
import { OPTIMIZATION_LEVELS, PROVIDERS, type OptimizationLevel, type ProviderName } from '../runtime-host/host-protocol.js';
import type { Progress } from '../runtime-host/runtime-host.js';
import { DEFAULT_OPTIONS, type ProfileOptions } from './profile-options.js';
import type { ReportPaths } from './report-files.js';

export const RUN_OPTION_SPEC: Record<string, OptionKind> = {
  ep: 'string',
  'allow-fallback': 'flag',
  device: 'count',
  'trt-fp16': 'flag',
  'trt-int8': 'flag',
  'trt-engine-cache': 'string',
  runs: 'count',
  warmup: 'count',
  threads: 'count',
  'inter-threads': 'count',
  optimization: 'string',
  dim: 'list',
  inputs: 'string',
  fill: 'string',
  seed: 'count',
  timeout: 'count',
  top: 'count',
  quiet: 'flag',
  json: 'string',
  csv: 'string',
  html: 'string',
};

export const RUN_OPTIONS_USAGE =
  '[--ep cpu|cuda|tensorrt] [--allow-fallback] [--device N] [--trt-fp16] [--trt-int8] [--trt-engine-cache DIR] [--runs N] [--warmup N] [--threads N] [--inter-threads N] [--optimization disabled|basic|extended|all] [--dim name=value] [--inputs PATH] [--fill random|zeros|ones] [--seed N] [--timeout SECONDS] [--top N] [--quiet]';

function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new WorkbenchError('BAD_OPTION', `--${option} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value as T;
}

const count = (v: unknown): number | undefined => (typeof v === 'string' ? Number(v) : undefined);

/** Profile options from parsed arguments (values checked; ranges by checkProfileOptions). */
export function profileOptionsFrom(args: ParsedArgs): ProfileOptions {
  const o = args.options;
  const provider = oneOf<ProviderName>('ep', o.ep as string | undefined, PROVIDERS, 'cpu');
  if ((o['trt-fp16'] || o['trt-int8'] || o['trt-engine-cache']) && provider !== 'tensorrt') throw new WorkbenchError('BAD_OPTION', '--trt-* options need --ep tensorrt');
  const timeout = count(o.timeout);
  if (timeout !== undefined && timeout < 1) throw new WorkbenchError('BAD_OPTION', '--timeout must be at least 1 second');
  const out: ProfileOptions = {
    ...DEFAULT_OPTIONS,
    provider,
    allowFallback: o['allow-fallback'] === true,
    deviceId: count(o.device) ?? 0,
    runs: count(o.runs) ?? DEFAULT_OPTIONS.runs,
    warmup: count(o.warmup) ?? DEFAULT_OPTIONS.warmup,
    optimization: oneOf<OptimizationLevel>('optimization', o.optimization as string | undefined, OPTIMIZATION_LEVELS, DEFAULT_OPTIONS.optimization),
    dims: parseDims(o.dim as string[] | undefined),
    fill: oneOf<InputFill>('fill', o.fill as string | undefined, INPUT_FILLS, 'random'),
    seed: count(o.seed) ?? 0,
  };
  if (o.threads !== undefined) out.intraOpThreads = count(o.threads)!;
  if (o['inter-threads'] !== undefined) out.interOpThreads = count(o['inter-threads'])!;
  if (typeof o.inputs === 'string') out.inputsPath = o.inputs;
  if (timeout !== undefined) out.idleTimeoutMs = timeout * 1000;
  if (provider === 'tensorrt') {
    out.tensorrt = {
      ...(o['trt-fp16'] ? { fp16: true } : {}),
      ...(o['trt-int8'] ? { int8: true } : {}),
      ...(typeof o['trt-engine-cache'] === 'string' ? { engineCachePath: o['trt-engine-cache'] } : {}),
    };
  }
  return out;
}

/** Report files asked for (`-` for --json means stdout, handled by the caller). */
export function reportPathsFrom(args: ParsedArgs): ReportPaths {
  const o = args.options;
  const pick = (k: string) => (typeof o[k] === 'string' && o[k] !== '-' ? (o[k] as string) : undefined);
  const paths: ReportPaths = {};
  for (const k of ['json', 'csv', 'html', 'netron'] as const) {
    const v = pick(k);
    if (v) paths[k] = v;
  }
  return paths;
}

/** Progress on stderr, about ten lines per job (every run for short jobs). */
export function progressPrinter(io: CommandIO, quiet: boolean): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  let last = -1;
  return (p) => {
    const every = Math.max(1, Math.round(p.total / 10));
    if (p.done !== p.total && p.done - last < every) return;
    last = p.done;
    io.err(`${p.step}: ${p.done}/${p.total} runs${p.model ? ` (${p.model})` : ''}`);
  };
}

const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)) : '-');

function short(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The top-N nodes table. */
export function topNodesTable(r: ProfileReport, top: number): string {
  // "ms" is the typical time (the one that adds up to a run); median and p90 show its spread.
  const head = ['#', 'kernel', 'op type', 'provider', 'ms', 'median ms', 'p90 ms', 'share', 'model nodes'];
  const rows = r.nodes.slice(0, top).map((n, i) => [
    String(i + 1),
    short(n.name, 36),
    n.opType,
    n.provider.replace('ExecutionProvider', ''),
    ms(n.typicalMs),
    ms(n.medianMs),
    ms(n.p90Ms),
    `${(n.share * 100).toFixed(1)}%`,
    short(n.originalNodes.join(',') || '(unattributed)', 48),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([0, 4, 5, 6, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;

/** End-to-end latency, what the node table adds up to, and attribution lines. */
export function latencyLines(r: ProfileReport, label = ''): string[] {
  const e = r.endToEnd;
  const p = r.provider;
  const s = r.nodeSum;
  const provider = p.fallback ? `cpu (fallback from ${p.requested})` : p.used;
  return [
    `${label}end to end: median ${ms(e.medianMs)} ms, p90 ${ms(e.p90Ms)} ms, min ${ms(e.minMs)} ms, max ${ms(e.maxMs)} ms (${r.runs} runs after ${r.warmup} warm-up; ${provider}, optimization ${r.optimization})`,
    `${label}with the profiler on: median ${ms(e.withProfilerMedianMs)} ms, traced run median ${ms(s.runMedianMs)} ms; per-node times sum to ${ms(s.totalMs)} ms (kernels ${ms(s.kernelMs)} + launching them ${ms(s.launchMs)}; ${signedPct(s.difference)} of the run, ${ms(s.outsideMs)} ms of a run outside any kernel; means over the middle ${s.typicalRuns} of ${r.runs} runs, scaled ×${s.scale.toFixed(3)}; kernel medians sum to ${ms(r.kernelMedianSumMs)} ms)`,
    `${label}attribution: ${(r.attribution.coverage * 100).toFixed(1)}% of kernel time attributed to model nodes (${(r.attribution.strictCoverage * 100).toFixed(1)}% without layout reorders), unattributed ${ms(r.unattributedMs)} ms`,
  ];
}

/** A warning line when the node table does not add up to the run (for stderr). */
export function nodeSumWarnings(r: ProfileReport, label = ''): string[] {
  return r.nodeSum.warning ? [`warning: ${label}${r.nodeSum.warning}`] : [];
}
