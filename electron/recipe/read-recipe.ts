import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import { parseRecipe, type Recipe } from '../../shared/recipe/parse-recipe.js';

/** Paths a recipe holds, made absolute against the folder it lives in (a recipe travels with its data). */
export function resolveRecipePaths(recipe: Recipe, base: string): Recipe {
  const at = (p: string) => resolve(base, p);
  return {
    ...recipe,
    verify: { ...recipe.verify, ...(recipe.verify.inputsPath !== undefined ? { inputsPath: at(recipe.verify.inputsPath) } : {}) },
    steps: recipe.steps.map((s) => (s.calibration?.inputsPath !== undefined ? { ...s, calibration: { ...s.calibration, inputsPath: at(s.calibration.inputsPath) } } : s)),
  };
}

/** Reads and checks a recipe file; every problem is a WorkbenchError naming the file (and the JSON path). */
export async function readRecipe(registry: OperationRegistry, path: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WorkbenchError('BAD_RECIPE', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(e)})`}`);
  }
  return resolveRecipePaths(parseRecipe(registry, text, path), dirname(resolve(path)));
}
