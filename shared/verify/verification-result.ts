// The result of verifying a transformed model against its original: what the CLI prints, the
// UI shows, and the protocol carries (plain JSON: no typed arrays, null instead of NaN).

import type { TensorComparison } from './compare.js';
import type { Tolerance } from './tolerance.js';

/** One output over every input set. */
export interface OutputVerification {
  name: string;
  /** Worst over the input sets. */
  maxAbsError: number | null;
  maxRelError: number | null;
  cosine: number | null;
  /** Summed over the input sets, as is elementCount. */
  mismatches: number;
  elementCount: number;
  passed: boolean;
  /** The first failing input set's reason, prefixed with which set when there were several. */
  reason?: string;
  /** The tolerance this output was compared with, where it is not the result's (a float16 path, say). */
  tolerance?: Tolerance;
}

/** One input of one input set: its shape and where its values came from. */
export interface VerifiedInput {
  name: string;
  /** Element type name (float, int64, ...). */
  type: string;
  shape: number[];
  /** The file it was read from (with the sample when a file held several), 'given', '--value', "compared with in Equal 'NODE'" (a value the graph tests the input against), or the fill (random, zeros, ones). */
  source: string;
  /** The value of a one-element input (a scalar such as a sample rate), given or generated: one a user may need to set. */
  value?: number;
}

/** One input set run through both models. */
export interface InputSetInfo {
  /** Its folder or file (and sample), or `input set k (seed s)` when generated. */
  label: string;
  inputs: VerifiedInput[];
}

/** One try of the original model on its inputs; a failed try on generated inputs is retried with larger unset dims. */
export interface VerifyAttempt {
  /** The size the dims nobody bound took. */
  defaultDim: number;
  /** What stopped it (onnxruntime's message, or why it was not run); absent when the original ran. */
  error?: string;
}

export interface VerificationResult {
  passed: boolean;
  /** The tolerance outputs were compared with, unless their own says otherwise; its reason says why. */
  tolerance: Tolerance;
  outputs: OutputVerification[];
  /** The size used for every symbolic or unknown input dim (unknown ones keyed `input[axis]`). */
  boundDims: Record<string, number>;
  /** Keys of boundDims nobody bound, which took the default size: the user should know. */
  defaultedDims: string[];
  /** The seed of each input set; empty when every input was given. */
  inputSeeds: number[];
  /** Input sets run. */
  runs: number;
  /** Each input set: where it came from, and each input's shape, source and (for one-element inputs) value. */
  inputSets: InputSetInfo[];
  /** The tries of the original model, the last the one that ran (or failed for good). */
  attempts: VerifyAttempt[];
  /** A failure of the model as a whole (its inputs changed), beside the per-output ones. */
  reason?: string;
}

function worst(a: number | null, b: number | null, pick: (x: number, y: number) => number): number | null {
  return a === null || b === null ? null : pick(a, b);
}

/**
 * One output's comparisons over the input sets merged into one line of the report: worst errors,
 * lowest cosine, summed counts; `labels[k]` names input set k in the reason.
 */
export function mergeComparisons(name: string, comparisons: readonly TensorComparison[], labels: readonly string[]): OutputVerification {
  const [first, ...rest] = comparisons;
  if (!first) return { name, maxAbsError: null, maxRelError: null, cosine: null, mismatches: 0, elementCount: 0, passed: false, reason: 'not compared' };
  const out: OutputVerification = {
    name,
    maxAbsError: first.maxAbsError,
    maxRelError: first.maxRelError,
    cosine: first.cosine,
    mismatches: first.mismatches,
    elementCount: first.elementCount,
    passed: first.passed,
  };
  for (const c of rest) {
    out.maxAbsError = worst(out.maxAbsError, c.maxAbsError, Math.max);
    out.maxRelError = worst(out.maxRelError, c.maxRelError, Math.max);
    out.cosine = worst(out.cosine, c.cosine, Math.min);
    out.mismatches += c.mismatches;
    out.elementCount += c.elementCount;
    out.passed &&= c.passed;
  }
  const k = comparisons.findIndex((c) => !c.passed);
  if (k >= 0) out.reason = comparisons.length > 1 && labels[k] ? `${labels[k]}: ${comparisons[k]!.reason}` : comparisons[k]!.reason;
  return out;
}

/** A failed output line that was not compared at all (missing from the transformed model, say). */
export function outputFailure(name: string, reason: string): OutputVerification {
  return { name, maxAbsError: null, maxRelError: null, cosine: null, mismatches: 0, elementCount: 0, passed: false, reason };
}
