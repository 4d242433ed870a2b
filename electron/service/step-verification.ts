import type { JobInfo, StepVerification } from '../../shared/protocol/operations-api.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';

// A history step's verification badge: from "running" to the result of its job, or why it has none.

/** The badge of a step whose verification has not run (or was not asked for). */
export function noVerification(tolerance: string | null, message: string | null = null): StepVerification {
  return { state: 'none', jobId: null, tolerance, maxAbsError: null, cosine: null, message, outputs: [] };
}

/** The badge while job `jobId` runs. */
export function runningVerification(tolerance: string, jobId: string): StepVerification {
  return { ...noVerification(tolerance), state: 'running', jobId };
}

function worst(values: (number | null)[], pick: (a: number, b: number) => number): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce(pick) : null;
}

/** The badge once the job ended: passed/failed with the worst error and lowest cosine, or cancelled/error with why. */
export function endedVerification(before: StepVerification, job: JobInfo, result: VerificationResult | undefined): StepVerification {
  if (job.state === 'cancelled') return { ...before, state: 'cancelled', message: 'cancelled' };
  if (job.state !== 'done' || !result) return { ...before, state: 'error', message: job.error?.message ?? job.message };
  const failing = result.outputs.find((o) => !o.passed);
  return {
    ...before,
    state: result.passed ? 'passed' : 'failed',
    maxAbsError: worst(result.outputs.map((o) => o.maxAbsError), Math.max),
    cosine: worst(result.outputs.map((o) => o.cosine), Math.min),
    message: result.reason ?? (failing ? `${failing.name}: ${failing.reason ?? 'out of tolerance'}` : null),
    outputs: result.outputs.map((o) => ({ name: o.name, maxAbsError: o.maxAbsError, cosine: o.cosine, passed: o.passed })),
  };
}
