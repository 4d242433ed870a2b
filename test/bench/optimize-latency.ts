// Latency and output agreement of a model's versions (original, ours, peers) under onnxruntime
// as deployment runs them: CPU, graph optimization 'all', the same thread count for all. Runs
// are interleaved (each round runs every version once, in a rotated order) so that drift in the
// machine's speed hits all versions alike; the median of each version's runs is reported.
// Outputs are compared with the original's run with onnxruntime's optimizer off (the graph as
// written), at the 'reassociation' tolerance fusions are held to, on the timed inputs and on more
// input sets (other sizes of the dynamic dims), which catch a version specialized to one shape.

import * as ort from 'onnxruntime-node';
import { compareTensors } from '../../shared/verify/compare.js';
import { TOLERANCES } from '../../shared/verify/tolerance.js';
import { ortMessage } from '../../electron/runtime/ort-session.js';
import { ortTensorData } from '../../electron/runtime/ort-tensors.js';

/** Inputs to compare outputs on (not timed): other sizes of the dynamic dims, other modes. */
export interface InputSet {
  label: string;
  feeds: Record<string, ort.Tensor>;
}

export interface Version {
  label: string;
  path: string;
}

export interface OutputCheck {
  ok: boolean;
  /** Largest |difference| over all outputs, null where it could not be computed. */
  maxAbs: number | null;
  /** Why it failed (first failing output), one line. */
  reason?: string;
}

export interface VersionTiming {
  label: string;
  medianMs: number | null;
  /** Interquartile range of the runs, ms. */
  iqrMs: number | null;
  /**
   * Median over rounds of original time / this version's time in the same round: less moved by
   * load that comes and goes than the ratio of medians. Null where the original did not run.
   */
  pairedRatio: number | null;
  outputs: OutputCheck | null;
  /** Every timed run, ms, in round order (runsMs[r] of two versions were measured in the same round). */
  runsMs?: number[];
  error?: string;
}

export interface LatencyOptions {
  threads: number;
  warmup: number;
  minRuns: number;
  maxRuns: number;
  /** Runs are chosen so that the interleaved rounds take about this long (within min/max runs). */
  budgetMs: number;
}

export interface LatencyReport {
  runs: number;
  versions: VersionTiming[];
}

function sessionOptions(threads: number, level: 'all' | 'disabled'): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: level,
    executionProviders: ['cpu'],
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function compareOutputs(reference: Record<string, ort.Tensor>, actual: Record<string, ort.Tensor>): OutputCheck {
  let maxAbs: number | null = 0;
  for (const [name, expected] of Object.entries(reference)) {
    const got = actual[name];
    if (!got) return { ok: false, maxAbs: null, reason: `output '${name}' missing` };
    const c = compareTensors(ortTensorData(expected), ortTensorData(got), TOLERANCES.reassociation);
    maxAbs = c.maxAbsError === null || maxAbs === null ? null : Math.max(maxAbs, c.maxAbsError);
    if (!c.passed) return { ok: false, maxAbs, reason: `${name}: ${c.reason ?? 'out of tolerance'}` };
  }
  return { ok: true, maxAbs };
}

/** Outputs on every input set against the original's; the first failure, or the largest error over all. */
async function checkOutputs(s: ort.InferenceSession, sets: readonly InputSet[], references: readonly Record<string, ort.Tensor>[]): Promise<OutputCheck> {
  let maxAbs: number | null = 0;
  for (const [k, set] of sets.entries()) {
    let c: OutputCheck;
    try {
      c = compareOutputs(references[k]!, await s.run(set.feeds));
    } catch (e) {
      return { ok: false, maxAbs: null, reason: `${set.label}: onnxruntime fails: ${ortMessage(e)}` };
    }
    if (!c.ok) return { ...c, reason: `${set.label}: ${c.reason}` };
    maxAbs = c.maxAbs === null || maxAbs === null ? null : Math.max(maxAbs, c.maxAbs);
  }
  return { ok: true, maxAbs };
}

async function timedRun(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const t0 = performance.now();
  await session.run(feeds);
  return performance.now() - t0;
}

/**
 * Times every version on `feeds` (versions[0] is the original, the reference for outputs).
 * A version onnxruntime cannot load or run gets an error instead of figures; the rest go on.
 */
export async function measureLatency(
  versions: readonly Version[],
  feeds: Record<string, ort.Tensor>,
  o: LatencyOptions,
  moreChecks: readonly InputSet[] = [],
): Promise<LatencyReport> {
  const sets: InputSet[] = [{ label: 'timed inputs', feeds }, ...moreChecks];
  const references: Record<string, ort.Tensor>[] = [];
  const refSession = await ort.InferenceSession.create(versions[0]!.path, sessionOptions(o.threads, 'disabled'));
  try {
    for (const set of sets) references.push(await refSession.run(set.feeds));
  } finally {
    await refSession.release();
  }

  const results: VersionTiming[] = versions.map((v) => ({ label: v.label, medianMs: null, iqrMs: null, pairedRatio: null, outputs: null }));
  const sessions: (ort.InferenceSession | undefined)[] = [];
  try {
    for (const [i, v] of versions.entries()) {
      try {
        const s = await ort.InferenceSession.create(v.path, sessionOptions(o.threads, 'all'));
        sessions.push(s);
        results[i]!.outputs = await checkOutputs(s, sets, references);
      } catch (e) {
        sessions.push(undefined);
        results[i]!.error = ortMessage(e);
      }
    }
    const live = sessions.flatMap((s, i) => (s ? [{ s, i }] : []));
    // Warm-up; the fastest warm-up run of each sizes the number of rounds.
    let perRound = 0;
    for (const { s } of live) {
      let best = Infinity;
      for (let k = 0; k < o.warmup; k++) best = Math.min(best, await timedRun(s, feeds));
      perRound += best;
    }
    const runs = Math.max(o.minRuns, Math.min(o.maxRuns, Math.round(o.budgetMs / Math.max(perRound, 1e-3))));
    const times: number[][] = live.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < live.length; k++) {
        const j = (k + r) % live.length;
        times[j]!.push(await timedRun(live[j]!.s, feeds));
      }
    }
    const base = live[0]?.i === 0 ? times[0]! : undefined;
    live.forEach(({ i }, j) => {
      const sorted = [...times[j]!].sort((a, b) => a - b);
      results[i]!.medianMs = quantile(sorted, 0.5);
      results[i]!.iqrMs = quantile(sorted, 0.75) - quantile(sorted, 0.25);
      results[i]!.runsMs = times[j]!;
      if (base) results[i]!.pairedRatio = quantile(base.map((t, r) => t / times[j]![r]!).sort((a, b) => a - b), 0.5);
    });
    return { runs, versions: results };
  } finally {
    for (const s of sessions) await s?.release().catch(() => undefined);
  }
}
