import type { IrModel } from '../../shared/ir/model.js';
import type { RunResult } from '../../shared/rewrite/pass-manager.js';
import type { Pass } from '../../shared/rewrite/pass.js';
import { chooseTolerances, type ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import { lowPrecisionOutputs } from '../../shared/verify/low-precision-outputs.js';

/**
 * Call before `passes` run on `original` (they rewrite it in place): reads which outputs are
 * computed through float16/bfloat16, and returns what picks the verification's tolerances from
 * the run's result (the passes that changed something, and those outputs).
 */
export function toleranceChooser(original: IrModel, passes: readonly Pass[]): (result: RunResult) => ToleranceChoice {
  const precision = lowPrecisionOutputs(original);
  return (result) => {
    const fired = passes.filter((p) => result.passes.some((r) => r.name === p.name && r.matches > 0));
    return chooseTolerances(fired, precision);
  };
}
