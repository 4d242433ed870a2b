// The app's history as a recipe: node ids become names (they mean nothing in another model),
// calibrated ranges are dropped for a fresh calibration, and the result checks as a recipe.

import { describe, expect, it } from 'vitest';
import { IrModel } from '../../shared/ir/model.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { historyRecipe, recipeStepOf } from '../../shared/recipe/history-recipe.js';
import { checkRecipe } from '../../shared/recipe/parse-recipe.js';
import { convBnReluModel } from '../service/conv-bn-model.js';

describe('history as a recipe', () => {
  const ir = new IrModel(convBnReluModel());
  const id = (name: string) => [...ir.graph.nodes].find((n) => n.name === name)!.id;

  it('names the selected nodes and the nodes surgery options give by id', () => {
    expect(recipeStepOf(ir, 'fuse-conv-batchnorm', {}, [id('conv'), id('bn')])).toEqual({ operation: 'fuse-conv-batchnorm', options: {}, nodes: ['conv', 'bn'] });
    expect(recipeStepOf(ir, 'delete-node', { node: String(id('relu')) }, undefined)).toEqual({ operation: 'delete-node', options: { node: 'relu' } });
    // A name that is not a node id stays as written.
    expect(recipeStepOf(ir, 'rename', { from: 'y', to: 'out' }, undefined).options).toEqual({ from: 'y', to: 'out' });
  });

  it('drops calibrated ranges so the next model is calibrated afresh', () => {
    const step = recipeStepOf(ir, 'quantize-static', { perChannel: true, ranges: { x: { min: -1, max: 1 } } }, undefined);
    expect(step).toEqual({ operation: 'quantize-static', options: { perChannel: true }, calibration: { method: 'minmax' } });
  });

  it('gives a recipe that checks, with the model\'s verification settings', () => {
    const steps = [recipeStepOf(ir, 'fuse-conv-batchnorm', {}, [id('conv'), id('bn')]), recipeStepOf(ir, 'quantize-dynamic', { perChannel: true }, undefined)];
    const json = historyRecipe(steps, { dims: { batch: 2 }, values: {}, inputsPath: '/data/x.npy' }, 'from a test');
    expect(json).toEqual({
      version: 1,
      description: 'from a test',
      target: 'portable',
      verify: { dims: { batch: 2 }, values: {}, inputsPath: '/data/x.npy' },
      steps: [
        { operation: 'fuse-conv-batchnorm', nodes: ['conv', 'bn'] },
        { operation: 'quantize-dynamic', options: { perChannel: true } },
      ],
    });
    expect(checkRecipe(defaultOperations(), json).steps.map((s) => s.operation)).toEqual(['fuse-conv-batchnorm', 'quantize-dynamic']);
    // An onnxruntime step makes the recipe's target onnxruntime, or it would not check.
    const ort = historyRecipe([{ operation: 'ort-fuse-gelu', options: {} }], { dims: {}, values: {} }, 'ort');
    expect(ort.target).toBe('onnxruntime');
    expect(() => checkRecipe(defaultOperations(), ort)).not.toThrow();
  });
});
