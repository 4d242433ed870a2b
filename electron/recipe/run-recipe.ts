import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation, type OperationEffect } from '../../shared/operations/run-operation.js';
import type { Recipe, RecipeStep } from '../../shared/recipe/parse-recipe.js';
import { accumulateTolerance } from '../../shared/recipe/recipe-tolerance.js';
import { findNode } from '../../shared/surgery/find-node.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import type { OpenedModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { optimizationSetup } from '../optimize/optimization-setup.js';
import { quantizeModel } from '../quantize/quantize-model.js';
import { recipeCalibration } from './recipe-calibration.js';
import { verifyModels } from '../runtime/verify.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';

// A recipe run on a model opened from a file (the CLI): each step applied as one journal step,
// quantize steps through the quantize pipeline (calibration in the runtime host), and the result
// verified after each step that asks for it, against the original, at the loosest tolerance of
// the steps so far. A step meant to change outputs (a surgery edit) starts a new baseline.

/** What one step did. */
export interface RecipeStepReport {
  /** 1 for the first step. */
  index: number;
  operation: string;
  label: string;
  /** applied; unchanged (nothing to do on this model, not a failure); failed (verification). */
  status: 'applied' | 'unchanged' | 'failed';
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  summary: string | null;
  /** The tolerance its verification used (null: not verified). */
  tolerance: string | null;
  verification: VerificationResult | null;
  /** Wall time of the step (its verification included), ms. */
  ms: number;
}

export interface RecipeRunOptions {
  registry: OperationRegistry;
  host: RuntimeHost;
  /** A private folder for intermediate models (verification reads them from disk). */
  workDir: string;
  signal?: AbortSignal;
  /** Progress within step `index` (1-based) of `count`. */
  onProgress?: (index: number, count: number, label: string, message: string) => void;
}

export interface RecipeRunResult {
  steps: RecipeStepReport[];
  /** The first step whose verification failed; the run stopped there. */
  failed: RecipeStepReport | null;
}

const stepLabel = (s: RecipeStep) => s.label ?? s.operation;

/** A step's `nodes` (ids or names, as `--nodes`) as node ids of the model as it is now. */
export function stepScope(opened: OpenedModel, step: RecipeStep, index: number): NodeId[] | undefined {
  if (!step.nodes) return undefined;
  return step.nodes.map((key) => {
    try {
      return findNode(opened.ir, key).node.id;
    } catch (e) {
      if (e instanceof WorkbenchError) throw new WorkbenchError(e.code, `step ${index} (${stepLabel(step)}): nodes: ${e.message}`);
      throw e;
    }
  });
}

/** Runs `recipe` on `opened.ir` in place; a step's error is a WorkbenchError naming the step. */
export async function runRecipe(opened: OpenedModel, recipe: Recipe, o: RecipeRunOptions): Promise<RecipeRunResult> {
  const setup = await optimizationSetup(opened);
  const steps: RecipeStepReport[] = [];
  const fixed = recipe.verify.tolerance !== undefined ? { tolerance: resolveTolerance(recipe.verify.tolerance), outputs: {} } : undefined;
  let baseline = opened.path;
  let accumulated: ToleranceChoice | undefined;
  try {
    for (const [i, step] of recipe.steps.entries()) {
      const index = i + 1;
      const label = stepLabel(step);
      const started = performance.now();
      const progress = (done: number, total: number, message: string) => o.onProgress?.(index, recipe.steps.length, label, total > 1 ? `${message} ${Math.min(done + 1, total)}/${total}` : message);
      progress(0, 1, 'running');
      let effect: OperationEffect | null;
      try {
        effect = await applyStep(opened, step, index, recipe, o, setup.runOptions, progress);
      } catch (e) {
        if (e instanceof WorkbenchError && !e.message.startsWith(`step ${index} `)) throw new WorkbenchError(e.code, `step ${index} (${label}): ${e.message}`);
        throw e;
      }
      const report: RecipeStepReport = {
        index,
        operation: step.operation,
        label,
        status: effect ? 'applied' : 'unchanged',
        matches: effect?.outcome.matches ?? 0,
        nodesBefore: effect?.nodesBefore ?? 0,
        nodesAfter: effect?.nodesAfter ?? 0,
        summary: effect?.outcome.summary ?? null,
        tolerance: null,
        verification: null,
        ms: 0,
      };
      steps.push(report);
      if (effect && effect.tolerance === null) {
        // Outputs are meant to change: later steps are checked against this state, not the file.
        baseline = (await saveModel(opened.ir.toProto(), join(o.workDir, `baseline-${index}.onnx`), { source: opened })).path;
        accumulated = undefined;
      } else if (effect?.tolerance) {
        accumulated = accumulateTolerance(accumulated, effect.tolerance);
      }
      const verify = step.verify ?? o.registry.get(step.operation).tolerance !== null;
      if (verify && effect && effect.tolerance && accumulated) {
        progress(0, 1, 'verifying');
        const choice = fixed ?? accumulated;
        const candidate = await saveModel(opened.ir.toProto(), join(o.workDir, `step-${index}.onnx`), { source: opened });
        const v = recipe.verify;
        report.verification = await verifyModels(baseline, candidate.path, {
          tolerance: choice.tolerance,
          outputTolerances: choice.outputs,
          dims: v.dims,
          values: v.values,
          ...(v.inputsPath !== undefined ? { inputsPath: v.inputsPath } : {}),
        });
        report.tolerance = choice.tolerance.name;
        if (!report.verification.passed) report.status = 'failed';
      }
      report.ms = performance.now() - started;
      if (report.status === 'failed') return { steps, failed: report };
    }
    return { steps, failed: null };
  } finally {
    await setup.close();
  }
}

// One step applied; null when it changes nothing on this model.
async function applyStep(
  opened: OpenedModel,
  step: RecipeStep,
  index: number,
  recipe: Recipe,
  o: RecipeRunOptions,
  runtime: Awaited<ReturnType<typeof optimizationSetup>>['runOptions'],
  progress: (done: number, total: number, message: string) => void,
): Promise<OperationEffect | null> {
  const control = { ...(o.signal ? { signal: o.signal } : {}), progress };
  try {
    if (step.operation.startsWith('quantize-')) {
      const q = await quantizeModel(opened, o.registry, o.host, {
        mode: step.operation.slice('quantize-'.length),
        options: step.options,
        preprocess: false,
        scope: () => stepScope(opened, step, index),
        verifyInputs: { dims: recipe.verify.dims, values: recipe.verify.values },
        calibration: recipeCalibration(step, recipe.verify.dims),
        onProgress: progress,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return q.effect;
    }
    const resolved = resolveOperation(o.registry, opened.ir, step.operation, step.options, stepScope(opened, step, index));
    return await applyOperation(opened.ir, resolved, runtime, stepLabel(step), control);
  } catch (e) {
    if (e instanceof WorkbenchError && e.code === 'NOT_APPLICABLE') return null;
    throw e;
  }
}
