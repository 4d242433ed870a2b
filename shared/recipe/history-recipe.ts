import type { NodeId } from '../ir/journal.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import { SURGERY_EDITS } from '../surgery/index.js';
import type { VerifyInputSettings } from '../verify/input-settings.js';
import type { RecipeStep } from './parse-recipe.js';
import { RECIPE_VERSION } from './recipe-schema.js';

// The app's history as a recipe: each applied step's operation and options. Node ids mean nothing
// in another model, so nodes are named (where they have names) when the step is applied, and
// calibrated ranges are dropped for a calibration of the model the recipe runs on.

// A node as a recipe names it: its name where it has a unique one, else its id (which only this model knows).
function nodeKey(model: IrModel, id: NodeId): string {
  const found = model.findNode(id);
  const name = found?.node.name;
  if (!name) return String(id);
  let count = 0;
  for (const g of allGraphs(model.graph)) for (const n of g.nodes) if (n.name === name) count++;
  return count > 1 ? String(id) : name;
}

/** The recipe step for an operation about to be applied to `model` (before the step changes it). */
export function recipeStepOf(model: IrModel, operation: string, options: Record<string, unknown>, selection: readonly NodeId[] | undefined): RecipeStep {
  const opts = { ...options };
  const edit = SURGERY_EDITS.find((e) => e.name === operation);
  for (const o of edit?.options ?? []) {
    const v = opts[o.name];
    if (o.type === 'node' && typeof v === 'string' && /^\d+$/.test(v) && model.findNode(Number(v))) opts[o.name] = nodeKey(model, Number(v));
  }
  const step: RecipeStep = { operation, options: opts };
  if (operation === 'quantize-static') {
    delete opts.ranges;
    step.calibration = { method: 'minmax' };
  }
  if (selection?.length) step.nodes = selection.map((id) => nodeKey(model, id));
  return step;
}

/** A recipe's JSON of the given steps with the verification settings the model had. */
export function historyRecipe(steps: readonly RecipeStep[], settings: VerifyInputSettings, description: string): Record<string, unknown> {
  const verify: Record<string, unknown> = { dims: settings.dims, values: settings.values };
  if (settings.inputsPath !== undefined) verify.inputsPath = settings.inputsPath;
  // A target of onnxruntime only where a step asked for onnxruntime ops; otherwise the portable default.
  const ort = steps.some((s) => s.options.target === 'onnxruntime' || s.operation.startsWith('ort-'));
  return {
    version: RECIPE_VERSION,
    description,
    target: ort ? 'onnxruntime' : 'portable',
    verify,
    steps: steps.map((s) => {
      const out: Record<string, unknown> = { operation: s.operation };
      if (Object.keys(s.options).length) out.options = s.options;
      for (const k of ['nodes', 'calibration'] as const) if (s[k] !== undefined) out[k] = s[k];
      return out;
    }),
  };
}
