import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import type { Operation } from '../operations/operation.js';
import type { OperationRegistry } from '../operations/registry.js';
import { RECIPE_VERSION, recipeCalibrationSchema, recipeProfileSchema, recipeStepSchema, recipeVerifySchema, recipeZodSchema } from './recipe-schema.js';

// Checking a recipe before anything runs: the envelope against the schema, then each step
// against its own operation's schema, so that an error names the step and the option by its JSON
// path (`steps[2].options.perChannel`) instead of a union's "no variant matched".

export type RecipeTarget = 'portable' | 'onnxruntime';

/** One step as checked: the options as written (the operation parses them again when it runs). */
export interface RecipeStep {
  operation: string;
  options: Record<string, unknown>;
  label?: string;
  verify?: boolean;
  nodes?: string[];
  calibration?: z.infer<typeof recipeCalibrationSchema>;
}

export interface Recipe {
  version: typeof RECIPE_VERSION;
  description?: string;
  target: RecipeTarget;
  verify: z.infer<typeof recipeVerifySchema>;
  profile?: z.infer<typeof recipeProfileSchema>;
  steps: RecipeStep[];
}

type Path = readonly PropertyKey[];

/** `steps[2].options.perChannel`: a JSON path as people write it. */
export function jsonPathText(path: Path): string {
  let text = '';
  for (const k of path) text += typeof k === 'number' ? `[${k}]` : text ? `.${String(k)}` : String(k);
  return text || '(top level)';
}

function bad(path: Path, message: string): WorkbenchError {
  return new WorkbenchError('BAD_RECIPE', `recipe: ${jsonPathText(path)}: ${message}`);
}

// The first issue, descended into unions to the branch that got furthest (as describeZodError does).
function firstIssue(error: z.ZodError): { path: PropertyKey[]; message: string } {
  let issue = error.issues[0]!;
  while (issue.code === 'invalid_union' && issue.errors.length) {
    const branches = issue.errors.filter((b) => b.length);
    if (!branches.length) break;
    const deepest = branches.reduce((a, b) => (b[0]!.path.length > a[0]!.path.length ? b : a));
    issue = { ...deepest[0]!, path: [...issue.path, ...deepest[0]!.path] } as typeof issue;
  }
  return { path: issue.path, message: issue.message };
}

function check<T>(schema: z.ZodType<T>, value: unknown, at: Path): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { path, message } = firstIssue(r.error);
  throw bad([...at, ...path], message);
}

// Options of operations that take a target (presets, quantize-dynamic) default to the recipe's.
function takesTarget(op: Operation<unknown>): boolean {
  const shape = (op.options as unknown as { shape?: Record<string, unknown> }).shape;
  return !!shape && Object.hasOwn(shape, 'target');
}

function checkStep(registry: OperationRegistry, raw: unknown, i: number, target: RecipeTarget): RecipeStep {
  const at = ['steps', i];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(at, 'expected an object with "operation" and "options"');
  const name = (raw as { operation?: unknown }).operation;
  if (typeof name !== 'string') throw bad([...at, 'operation'], 'expected the name of an operation (`onnx-workbench passes` lists them)');
  if (!registry.has(name)) throw bad([...at, 'operation'], `unknown operation "${name}" (\`onnx-workbench passes\` and \`onnx-workbench recipe-schema\` list them)`);
  const op = registry.get(name);
  const step = check(recipeStepSchema(op), raw, at) as RecipeStep;
  const rawOptions = ((raw as { options?: Record<string, unknown> }).options ?? {}) as Record<string, unknown>;
  // The options as written, not as defaulted: a saved recipe stays as short as its author made it.
  const options = takesTarget(op) && rawOptions.target === undefined ? { ...rawOptions, target } : { ...rawOptions };
  check(op.options, options, [...at, 'options']);
  if (op.target === 'onnxruntime' && target === 'portable') {
    throw bad([...at, 'operation'], `${name} emits onnxruntime (com.microsoft) ops; the recipe's target is portable (set "target": "onnxruntime")`);
  }
  if (options.target === 'onnxruntime' && target === 'portable') {
    throw bad([...at, 'options', 'target'], `onnxruntime while the recipe's target is portable`);
  }
  if (step.verify === true && op.tolerance === null) {
    throw bad([...at, 'verify'], `${name} is meant to change what the model computes; it cannot be verified against the original`);
  }
  const out: RecipeStep = { operation: name, options };
  for (const k of ['label', 'verify', 'nodes', 'calibration'] as const) if (step[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = step[k];
  return out;
}

/** A recipe from its parsed JSON, or a WorkbenchError (BAD_RECIPE) naming the JSON path of the first problem. */
export function checkRecipe(registry: OperationRegistry, json: unknown): Recipe {
  const envelope = recipeZodSchema(registry).extend({ steps: z.array(z.unknown()).min(1) });
  const head = check(envelope, json, []);
  const steps = head.steps.map((raw, i) => checkStep(registry, raw, i, head.target));
  const recipe: Recipe = { version: RECIPE_VERSION, target: head.target, verify: head.verify ?? { dims: {}, values: {} }, steps };
  if (head.description !== undefined) recipe.description = head.description;
  if (head.profile) recipe.profile = head.profile;
  return recipe;
}

/** A recipe from the text of a file named `file` (for messages): JSON first, then checkRecipe. */
export function parseRecipe(registry: OperationRegistry, text: string, file = 'recipe'): Recipe {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WorkbenchError('BAD_RECIPE', `${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    return checkRecipe(registry, json);
  } catch (e) {
    if (e instanceof WorkbenchError && file !== 'recipe') throw new WorkbenchError(e.code, e.message.replace(/^recipe:/, `${file}:`));
    throw e;
  }
}
