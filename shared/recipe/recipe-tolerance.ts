import type { ToleranceChoice } from '../verify/choose-tolerances.js';
import { looserOf } from '../verify/tolerance.js';

/**
 * The tolerances after two steps verified against the same original: field by field the looser
 * of each, per output too (a step's error adds to the ones before it, so the tightest level is no
 * longer the right one once a looser step has run).
 */
export function accumulateTolerance(before: ToleranceChoice | undefined, step: ToleranceChoice): ToleranceChoice {
  if (!before) return step;
  const outputs: ToleranceChoice['outputs'] = {};
  for (const name of new Set([...Object.keys(before.outputs), ...Object.keys(step.outputs)])) {
    outputs[name] = looserOf(before.outputs[name] ?? before.tolerance, step.outputs[name] ?? step.tolerance);
  }
  return { tolerance: looserOf(before.tolerance, step.tolerance), outputs };
}
