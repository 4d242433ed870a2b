// Per-node figures that add up to a run. On a machine with more runnable threads than cores a
// kernel's time is bimodal: usually short, now and then long because a worker thread was
// descheduled and the others waited for it. Which kernel gets the long time differs from run to
// run, so every kernel's median is a short time, and the medians add up to far less than a
// typical run (ResNet-50 at the default threads on two cores: 18.6 of 33 ms). Users read the table as "where my
// run's time goes", so its figures must add up to a run.
//
// Chosen: the typical runs are the middle half of the measured runs, ranked by the time the
// table describes in each run (its kernels' self time and their launches); a kernel's figure is
// its mean over them, times one factor common to all kernels, so that the figures add up to the
// median run less the median time a run spends outside any kernel and its launch (before the
// first kernel, after the last). The factor is near 1: the typical runs are the middle runs. So
// the table adds up to the run by construction, on a quiet machine and a busy one alike, and
// the 10% check is left to catch what no node explains: a runtime that spends a tenth of every
// run outside its kernels. Medians of that outside time, not means over the typical runs: under
// load a stall now and then lands after the last kernel (a 45 ms stall in a 30 ms run), and a
// mean would carry it. Half the runs, not only the few nearest the median, keep each figure an
// average over many runs: on a busy machine no two runs take the same time, and a stall lands on
// a different kernel in each run (a figure from one run would say which kernel its stall hit).
// Not chosen: the kernels' medians (each the fast mode, the sum far short of a run); the runs
// nearest the median without scaling (on a busy two-core machine often a single run: under two
// busy processes the mean of even the middle three runs was over 5% from the median); scaling
// each run to the median run (a factor per run, far from 1 for the fast and slow runs, where
// one factor for the middle half stays near 1).

import type { NodeSum } from './report-schema.js';
import { spreadOf } from './stats.js';

/** The per-node figures should add up to within this fraction of the median run. */
export const SUM_TOLERANCE = 0.1;

/** The runs the per-node figures average, and the factor that scales their means to the run. */
export interface TypicalRuns {
  /** Run indices, ascending. */
  indices: number[];
  scale: number;
}

/**
 * The middle half of the runs by `totals` (each run's time in kernels and launches; rounded up so
 * that as many runs lie above them as below: the middle one or two at least, all of them for
 * three runs or fewer), and the factor from their mean total to `target` (by default the
 * median total).
 */
export function typicalRuns(totals: readonly number[], target = spreadOf(totals).median): TypicalRuns {
  const n = totals.length;
  if (n === 0) return { indices: [], scale: 1 };
  let k = Math.ceil(n / 2);
  if ((n - k) % 2) k++;
  const lo = (n - k) / 2;
  const byRank = totals.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const indices = byRank.slice(lo, lo + k).map((x) => x.i).sort((a, b) => a - b);
  const mean = meanAt(totals, indices);
  return { indices, scale: mean > 0 && Number.isFinite(target) ? target / mean : 1 };
}

/** Mean of `values` at `indices` (NaN when there are none). */
export function meanAt(values: readonly number[], indices: readonly number[]): number {
  if (!indices.length) return NaN;
  let s = 0;
  for (const i of indices) s += values[i]!;
  return s / indices.length;
}

/** A per-run figure (a kernel's time in each run) as the typical runs give it. */
export function typicalValue(perRun: readonly number[], t: TypicalRuns): number {
  return meanAt(perRun, t.indices) * t.scale;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** What the per-node table adds up to, beside the run it describes (fields as in NodeSum). */
export function checkNodeSum(kernelMs: number, launchMs: number, runMedianMs: number, outsideMs: number, typical: TypicalRuns): NodeSum {
  const totalMs = kernelMs + launchMs;
  const difference = runMedianMs > 0 ? totalMs / runMedianMs - 1 : 0;
  const addsUp = Math.abs(difference) <= SUM_TOLERANCE;
  const sum: NodeSum = { kernelMs, launchMs, totalMs, runMedianMs, outsideMs, difference, addsUp, typicalRuns: typical.indices.length, scale: typical.scale };
  if (!addsUp) {
    const pct = `${Math.abs(difference * 100).toFixed(0)}%`;
    const why =
      difference > 0
        ? 'kernels ran at the same time (parallel execution), so their times overlap'
        : 'the rest of a run is spent outside any kernel and its launch (onnxruntime feeding inputs, returning outputs, or waiting)';
    sum.warning = `the per-node times add up to ${ms(totalMs)} ms, ${pct} ${difference > 0 ? 'more' : 'less'} than the median run (${ms(runMedianMs)} ms): ${why}`;
  }
  return sum;
}
