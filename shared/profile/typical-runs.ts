// Per-node figures that add up to a run. On a machine with more runnable threads than cores a
// kernel's time is bimodal: usually short, now and then long because a worker thread was
// descheduled and the others waited for it. Which kernel gets the long time differs from run to
// run, so every kernel's median is a short time, and the medians add up to far less than a
// typical run (ResNet-50 on two busy cores: 18.6 of 33 ms). Users read the table as "where my
// run's time goes", so its figures must add up to a run.
//
// Chosen: average each kernel over the typical runs, those whose traced total lies nearest the
// median run. Averages over one set of runs add up exactly to that set's mean total, and a set
// chosen near the median has a mean total near the median: the sum holds by construction, on a
// quiet machine (all runs are typical: the figures are plain means) and on a busy one alike.
// Not chosen: scaling each run's kernels to the run's total (it bends every kernel by the
// delays of others), or one kernel's median times a factor (one factor for kernels that wait
// and kernels that do not).

import type { NodeSum } from './report-schema.js';
import { spreadOf } from './stats.js';

/** A run counts as typical when its total is within this fraction of the median run. */
export const TYPICAL_BAND = 0.05;
/** The per-node figures should add up to within this fraction of the median run. */
export const SUM_TOLERANCE = 0.1;

/**
 * Indices (ascending) of the typical runs among `totals`: the middle run by rank (the middle two
 * for an even count, whose mean is the median) and every run within TYPICAL_BAND of the median.
 * Their mean total is therefore within TYPICAL_BAND of the median, however the runs spread.
 */
export function typicalRuns(totals: readonly number[]): number[] {
  if (totals.length === 0) return [];
  const median = spreadOf(totals).median;
  const byRank = totals.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const mid = (totals.length - 1) / 2;
  const keep = new Set([byRank[Math.floor(mid)]!.i, byRank[Math.ceil(mid)]!.i]);
  totals.forEach((t, i) => {
    if (Math.abs(t - median) <= TYPICAL_BAND * Math.abs(median)) keep.add(i);
  });
  return [...keep].sort((a, b) => a - b);
}

/** Mean of `values` at `indices` (NaN when there are none). */
export function meanAt(values: readonly number[], indices: readonly number[]): number {
  if (!indices.length) return NaN;
  let s = 0;
  for (const i of indices) s += values[i]!;
  return s / indices.length;
}

/** What the per-node table adds up to, beside the run it describes (fields as in NodeSum). */
export function checkNodeSum(kernelMs: number, launchMs: number, runMedianMs: number, typicalRunCount: number): NodeSum {
  const totalMs = kernelMs + launchMs;
  const difference = runMedianMs > 0 ? totalMs / runMedianMs - 1 : 0;
  const addsUp = Math.abs(difference) <= SUM_TOLERANCE;
  const sum: NodeSum = { kernelMs, launchMs, totalMs, runMedianMs, difference, addsUp, typicalRuns: typicalRunCount };
  if (!addsUp) {
    const pct = `${Math.abs(difference * 100).toFixed(0)}%`;
    const why =
      difference > 0
        ? 'kernels ran at the same time (parallel execution), so their times overlap'
        : 'the rest of a run is spent outside any kernel and its launch (onnxruntime feeding inputs, returning outputs, or waiting)';
    sum.warning = `the per-node times add up to ${totalMs.toFixed(2)} ms, ${pct} ${difference > 0 ? 'more' : 'less'} than the median run (${runMedianMs.toFixed(2)} ms): ${why}`;
  }
  return sum;
}
