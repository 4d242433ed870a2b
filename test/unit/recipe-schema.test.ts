// The recipe format: its JSON Schema comes from the registry (an operation added there is a step
// a recipe can name, with its own options), and checking a recipe names the JSON path of the
// first problem.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Operation } from '../../shared/operations/operation.js';
import { defaultOperations, OperationRegistry } from '../../shared/operations/registry.js';
import { checkRecipe, parseRecipe } from '../../shared/recipe/parse-recipe.js';
import { recipeJsonSchema } from '../../shared/recipe/recipe-schema.js';
import { accumulateTolerance } from '../../shared/recipe/recipe-tolerance.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';

type StepSchema = { properties: { operation: { const: string }; options: unknown; calibration?: unknown }; additionalProperties: boolean };
const stepsOf = (s: Record<string, unknown>) => (s as { properties: { steps: { items: { anyOf: StepSchema[] } } } }).properties.steps.items.anyOf;

const registry = defaultOperations();
const message = (json: unknown) => {
  try {
    checkRecipe(registry, json);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('recipe JSON Schema', () => {
  it('has one step per registered operation, with that operation\'s own options schema', () => {
    const steps = stepsOf(recipeJsonSchema(registry));
    expect(steps.map((s) => s.properties.operation.const)).toEqual(registry.list().map((op) => op.name));
    for (const s of steps) {
      const op = registry.get(s.properties.operation.const);
      const { $schema: _, ...own } = z.toJSONSchema(op.options as z.ZodType, { unrepresentable: 'any', io: 'input' });
      expect(s.properties.options).toEqual(own);
      expect(s.additionalProperties).toBe(false);
      // Only quantize-static calibrates.
      expect(s.properties.calibration !== undefined).toBe(op.name === 'quantize-static');
    }
  });

  it('follows the registry: an operation registered later is a step with its options', () => {
    const extra: Operation<{ ratio: number }> = {
      name: 'prune-test',
      description: 'test pruning',
      group: 'pruning',
      options: z.strictObject({ ratio: z.number().min(0).max(1) }),
      tolerance: null,
      requires: [],
      run: async () => ({ matches: 0 }),
    };
    const r = new OperationRegistry(registry.list()).add(extra);
    const step = stepsOf(recipeJsonSchema(r)).find((s) => s.properties.operation.const === 'prune-test')!;
    expect(step.properties.options).toMatchObject({ properties: { ratio: { type: 'number', minimum: 0, maximum: 1 } } });
    expect(() => checkRecipe(r, { version: 1, steps: [{ operation: 'prune-test', options: { ratio: 2 } }] })).toThrow(/steps\[0\]\.options\.ratio: Too big/);
    expect(checkRecipe(r, { version: 1, steps: [{ operation: 'prune-test', options: { ratio: 0.5 } }] }).steps[0]!.options).toEqual({ ratio: 0.5 });
  });
});

describe('checking a recipe', () => {
  it('accepts a recipe and keeps options as written, the target filled in where the operation takes one', () => {
    const r = checkRecipe(registry, {
      version: 1,
      target: 'onnxruntime',
      verify: { dims: { batch: 1 }, values: {} },
      steps: [{ operation: 'preset:default' }, { operation: 'ort-fuse-gelu' }, { operation: 'quantize-static', options: { perChannel: true }, calibration: { samples: 4 }, label: 'int8' }],
    });
    expect(r.target).toBe('onnxruntime');
    expect(r.steps).toEqual([
      { operation: 'preset:default', options: { target: 'onnxruntime' } },
      { operation: 'ort-fuse-gelu', options: {} },
      { operation: 'quantize-static', options: { perChannel: true }, calibration: { method: 'minmax', samples: 4 }, label: 'int8' },
    ]);
  });

  it('rejects unknown operations and bad options with the JSON path of the error', () => {
    expect(message({ version: 1, steps: [{ operation: 'preset:default' }, { operation: 'fuse-everything' }] })).toBe(
      'recipe: steps[1].operation: unknown operation "fuse-everything" (`onnx-workbench passes` and `onnx-workbench recipe-schema` list them)',
    );
    expect(message({ version: 1, steps: [{ operation: 'quantize-dynamic', options: { perChannel: 1 } }] })).toMatch(/^recipe: steps\[0\]\.options\.perChannel: .*expected boolean/);
    expect(message({ version: 1, steps: [{ operation: 'quantize-dynamic', options: { ops: ['Conv', 'Relu'] } }] })).toMatch(/^recipe: steps\[0\]\.options\.ops\[1\]: /);
    expect(message({ version: 1, steps: [{ operation: 'quantize-dynamic', options: { typo: true } }] })).toMatch(/^recipe: steps\[0\]\.options: Unrecognized key: "typo"/);
    expect(message({ version: 1, steps: [{ operation: 'preset:default', calibration: {} }] })).toMatch(/^recipe: steps\[0\]: Unrecognized key: "calibration"/);
    expect(message({ version: 1, steps: [{ operation: 'quantize-static', calibration: { method: 'median' } }] })).toMatch(/^recipe: steps\[0\]\.calibration\.method: /);
    expect(message({ version: 1, steps: [{ options: {} }] })).toMatch(/^recipe: steps\[0\]\.operation: expected the name of an operation/);
    expect(message({ version: 1, steps: ['preset:default'] })).toMatch(/^recipe: steps\[0\]: expected an object/);
    expect(message({ version: 1, steps: [] })).toMatch(/^recipe: steps: Too small/);
    expect(message({ version: 2, steps: [{ operation: 'preset:default' }] })).toMatch(/^recipe: version: /);
    expect(message({ version: 1, verify: { tolerance: 'loose' }, steps: [{ operation: 'preset:default' }] })).toMatch(/^recipe: verify\.tolerance: /);
    expect(message({ version: 1, profile: { runs: 0 }, steps: [{ operation: 'preset:default' }] })).toMatch(/^recipe: profile\.runs: /);
    expect(message({ version: 1, extra: 1, steps: [{ operation: 'preset:default' }] })).toMatch(/^recipe: \(top level\): Unrecognized key: "extra"/);
  });

  it('rejects steps that do not fit the target, and verification of an operation meant to change outputs', () => {
    expect(message({ version: 1, steps: [{ operation: 'ort-fuse-gelu' }] })).toMatch(/^recipe: steps\[0\]\.operation: ort-fuse-gelu emits onnxruntime .* portable/);
    expect(message({ version: 1, steps: [{ operation: 'quantize-dynamic', options: { target: 'onnxruntime' } }] })).toMatch(/^recipe: steps\[0\]\.options\.target: /);
    expect(message({ version: 1, steps: [{ operation: 'set-attribute', verify: true, options: { node: 'conv', attribute: 'group', value: '1' } }] })).toMatch(/^recipe: steps\[0\]\.verify: set-attribute is meant to change what the model computes/);
  });

  it('says where JSON is malformed, naming the file', () => {
    expect(() => parseRecipe(registry, '{"version": 1,', 'r.json')).toThrow(/^r\.json: not JSON \(/);
    expect(() => parseRecipe(registry, '{"version": 1, "steps": [{"operation": "nope"}]}', 'r.json')).toThrow(/^r\.json: steps\[0\]\.operation: unknown operation "nope"/);
  });
});

describe('accumulated tolerance', () => {
  it('is field by field the looser of the steps so far, per output too', () => {
    const exact = { tolerance: resolveTolerance('exact'), outputs: {} };
    const int8 = { tolerance: resolveTolerance('int8'), outputs: { y: resolveTolerance('fp16') } };
    const both = accumulateTolerance(accumulateTolerance(undefined, exact), int8);
    expect(both.tolerance.name).toBe('exact+int8');
    expect(both.tolerance.atol).toBe(Math.max(resolveTolerance('exact').atol, resolveTolerance('int8').atol));
    expect(both.outputs.y!.name).toBe('exact+fp16');
  });
});
