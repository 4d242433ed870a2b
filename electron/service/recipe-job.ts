import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import type { OperationRuntime } from '../../shared/operations/operation.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import type { ApplyRequest, StepVerification } from '../../shared/protocol/operations-api.js';
import type { Recipe, RecipeStep } from '../../shared/recipe/parse-recipe.js';
import { accumulateTolerance } from '../../shared/recipe/recipe-tolerance.js';
import { findNode } from '../../shared/surgery/find-node.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';
import { optimizationSetup } from '../optimize/optimization-setup.js';
import { calibratedOptions, quantizeRuntime } from '../quantize/quantize-model.js';
import { recipeCalibration } from '../recipe/recipe-calibration.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { JobControl } from './jobs.js';
import type { ModelDocument } from './model-document.js';

// A recipe run on an open document as one job: each step applied through the service as one
// history step (so undo and the history work as for a step applied from the panel), quantize
// steps calibrated through the quantize pipeline first, and each step's verification waited for,
// at the loosest tolerance of the steps so far, so the run stops at the first step that fails.

/** How the service applies one step for a recipe. */
export interface StepApplier {
  (
    p: ApplyRequest,
    hooks: { runtime?: Partial<OperationRuntime>; settings: VerifyInputSettings; tolerance: (c: ToleranceChoice) => ToleranceChoice },
  ): Promise<{ verification: () => StepVerification; verifyJobId: string | null }>;
}

export interface RecipeJobInput {
  recipe: Recipe;
  modelId: string;
  doc: ModelDocument;
  registry: OperationRegistry;
  /** The document's version now (each step is applied at the version the one before left). */
  version: () => number;
  host: () => RuntimeHost;
  settings: VerifyInputSettings;
  apply: StepApplier;
  waitForJob: (jobId: string) => Promise<unknown>;
}

export interface RecipeJobResult {
  applied: number;
  unchanged: string[];
}

function stepError(index: number, step: RecipeStep, e: unknown): unknown {
  if (e instanceof WorkbenchError) return new WorkbenchError(e.code, `step ${index} (${step.label ?? step.operation}): ${e.message}`);
  return e;
}

/** Runs the recipe's steps in order; throws (naming the step) at the first that fails. */
export async function recipeJob(input: RecipeJobInput, c: JobControl): Promise<RecipeJobResult> {
  const { recipe, doc, registry } = input;
  const n = recipe.steps.length;
  const fixed: ToleranceChoice | undefined = recipe.verify.tolerance !== undefined ? { tolerance: resolveTolerance(recipe.verify.tolerance), outputs: {} } : undefined;
  let accumulated: ToleranceChoice | undefined;
  // Verification compares with the file as opened: after a step meant to change outputs, later steps cannot be.
  let outputsChanged = false;
  const result: RecipeJobResult = { applied: 0, unchanged: [] };
  for (const [i, step] of recipe.steps.entries()) {
    const index = i + 1;
    const label = step.label ?? step.operation;
    if (c.signal.aborted) throw new WorkbenchError('CANCELLED', 'recipe: cancelled');
    const say = (fraction: number, what: string) => c.progress(i + fraction, n, `step ${index}/${n} ${label}: ${what}`);
    say(0, 'running');
    try {
      const selection: NodeId[] | undefined = step.nodes?.map((key) => findNode(doc.model.ir, key).node.id);
      let options = step.options;
      let runtime: Partial<OperationRuntime> | undefined;
      if (step.operation.startsWith('quantize-')) {
        const setup = await optimizationSetup(doc.model);
        ({ options } = await calibratedOptions(doc.model.ir, registry, input.host(), setup, {
          mode: step.operation.slice('quantize-'.length),
          options,
          calibration: recipeCalibration(step, input.settings.dims),
          signal: c.signal,
          onProgress: (done, total, what) => say(total ? (0.5 * done) / total : 0, what),
        }, selection));
        runtime = quantizeRuntime(doc.model.ir, setup, { dims: input.settings.dims, values: input.settings.values });
      }
      const op = registry.get(step.operation);
      const verify = !outputsChanged && (step.verify ?? op.tolerance !== null);
      const applied = await input.apply(
        { modelId: input.modelId, name: step.operation, options, ...(selection ? { selection } : {}), version: input.version(), verify },
        { ...(runtime ? { runtime } : {}), settings: input.settings, tolerance: (choice) => fixed ?? (accumulated = accumulateTolerance(accumulated, choice)) },
      );
      result.applied++;
      if (op.tolerance === null) outputsChanged = true;
      if (applied.verifyJobId) {
        say(0.75, 'verifying');
        await input.waitForJob(applied.verifyJobId);
        const v = applied.verification();
        if (v.state === 'failed' || v.state === 'error') throw new WorkbenchError('VERIFICATION_FAILED', `verification failed at ${v.tolerance ?? 'its tolerance'}${v.message ? `: ${v.message}` : ''}; the step stays in the history (undo it)`);
        if (v.state === 'cancelled') throw new WorkbenchError('CANCELLED', 'verification cancelled');
      }
      say(1, 'done');
    } catch (e) {
      // A step with nothing to do on this model (no match; nothing to quantize) is not a failure.
      if (e instanceof WorkbenchError && e.code === 'NOT_APPLICABLE') {
        result.unchanged.push(label);
        say(1, 'nothing to do');
        continue;
      }
      throw stepError(index, step, e);
    }
  }
  return result;
}
