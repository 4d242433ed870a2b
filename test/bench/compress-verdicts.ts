// Noise-aware comparisons of ours against a peer in bench:compress. Speed: the interleaved rounds'
// per-round ratios, their median's confidence interval and compare's 2% practical threshold. Accuracy: per-sample cosines paired (same evaluation sample), the mean
// difference against twice its standard error. Kernels: the op multisets of the graphs onnxruntime
// runs (optimizer 'all'), to say whether two results run the same kernels, where a speed
// difference can only be noise.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { PRACTICAL_NOISE } from '../../shared/profile/latency-compare.js';
import { quantile } from '../../shared/profile/stats.js';

export type Verdict = 'better' | 'within noise' | 'worse';

export interface Comparison {
  verdict: Verdict;
  /** One line: the verdict in words with the figures behind it. */
  text: string;
}

/**
 * Ours' run times against the peer's, measured in the same interleaved rounds (`ours[r]` with
 * `peer[r]`): the median of the per-round speed ratios peer/ours, with its 95% confidence interval
 * from order statistics (ranks n/2 ± 1.96·√n/2). Paired ratios, not ratios of medians: load that
 * comes and goes on a shared machine moves both runs of a round alike. Within noise when the
 * interval holds 1 or the median is within compare's 2% practical threshold.
 */
export function speedVerdict(peer: readonly number[], ours: readonly number[]): Comparison {
  const ratios = ours.map((t, r) => peer[r]! / t).filter(Number.isFinite).sort((a, b) => a - b);
  const n = ratios.length;
  const median = quantile(ratios, 0.5);
  const half = (1.96 * Math.sqrt(n)) / 2;
  const lo = ratios[Math.max(0, Math.floor(n / 2 - half))]!;
  const hi = ratios[Math.min(n - 1, Math.ceil(n / 2 + half))]!;
  const band = (Math.max(median - lo, hi - median) * 100).toFixed(1);
  const facts = `ours ${median.toFixed(3)}x the peer's speed, 95% interval ${lo.toFixed(3)}–${hi.toFixed(3)}, ${n} rounds`;
  if ((lo <= 1 && hi >= 1) || Math.abs(median - 1) < PRACTICAL_NOISE) return { verdict: 'within noise', text: `within noise (±${band}%; ${facts})` };
  return median > 1 ? { verdict: 'better', text: `faster (${facts})` } : { verdict: 'worse', text: `slower (${facts})` };
}

/** Ours' per-sample cosines against the peer's on the same samples. */
export function accuracyVerdict(peer: readonly number[], ours: readonly number[]): Comparison {
  const d = ours.map((x, i) => x - peer[i]!).filter(Number.isFinite);
  const n = d.length;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Infinity;
  const noise = 2 * (sd / Math.sqrt(n));
  const facts = `mean cosine difference ${mean >= 0 ? '+' : ''}${mean.toFixed(5)}, 2·SE ${noise.toFixed(5)}, ${n} samples`;
  if (Math.abs(mean) <= noise) return { verdict: 'within noise', text: `within noise (±${noise.toFixed(5)}; ${facts})` };
  return mean > 0 ? { verdict: 'better', text: `more accurate (${facts})` } : { verdict: 'worse', text: `less accurate (${facts})` };
}

/** The op types (domain:op outside the default domain) of the graph onnxruntime runs for `path`, counted. */
export async function kernelCounts(path: string, threads: number): Promise<Map<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'owb-kernels-'));
  try {
    const optimized = join(dir, 'optimized.onnx');
    const s = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, logSeverityLevel: 3, optimizedModelFilePath: optimized });
    await s.release();
    const counts = new Map<string, number>();
    for (const n of decodeModel(await readFile(optimized), optimized).graph?.node ?? []) {
      const op = n.domain ? `${n.domain}:${n.opType}` : n.opType!;
      counts.set(op, (counts.get(op) ?? 0) + 1);
    }
    return counts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where two kernel counts differ ("QLinearAdd 12 vs 10"); empty when they run the same kernels. */
export function kernelDifferences(ours: ReadonlyMap<string, number>, peer: ReadonlyMap<string, number>): string[] {
  const ops = [...new Set([...ours.keys(), ...peer.keys()])].sort();
  return ops.filter((op) => (ours.get(op) ?? 0) !== (peer.get(op) ?? 0)).map((op) => `${op} ${ours.get(op) ?? 0} vs ${peer.get(op) ?? 0}`);
}
