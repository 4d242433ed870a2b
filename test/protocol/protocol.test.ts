import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { handlersFor, methods, type MethodHandlers } from '../../shared/protocol/methods.js';
import type { z } from 'zod';
import { graphNodesSchema, graphValuesSchema } from '../../shared/protocol/fast-checks.js';
import { graphNodeInfoSchema, graphValueInfoSchema } from '../../shared/protocol/schemas.js';
import { dispatch, fromJson, parseEvent, parseParams, parseResult, toJson, unwrapResponse } from '../../shared/protocol/wire.js';

function rejection(fn: () => unknown): WorkbenchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkbenchError);
    return e as WorkbenchError;
  }
  throw new Error('expected a WorkbenchError');
}

describe('request validation', () => {
  it('accepts well-formed parameters of every method', () => {
    expect(parseParams('initialModel', {})).toEqual({});
    expect(parseParams('openModel', { source: { path: '/m.onnx' } })).toEqual({ source: { path: '/m.onnx' } });
    const bytes = new Uint8Array([1, 2]);
    expect(parseParams('openModel', { source: { name: 'm.onnx', bytes } }).source).toEqual({ name: 'm.onnx', bytes });
    expect(parseParams('getGraphPart', { modelId: 'a', path: [{ nodeId: 3, attribute: 'then_branch' }], part: 2 }).path[0]!.nodeId).toBe(3);
    expect(parseParams('getTensor', { modelId: 'a', path: [], name: 'w' }).name).toBe('w');
  });

  const malformed: [string, keyof typeof methods, unknown, RegExp][] = [
    ['params that are not an object', 'getGraphPart', 'x', /^bad parameters for getGraphPart: \(top level\): .*object/i],
    ['a missing field', 'getGraphPart', { path: [], part: 0 }, /^bad parameters for getGraphPart: modelId: /],
    ['a field of the wrong type', 'getGraphPart', { modelId: 7, path: [], part: 0 }, /^bad parameters for getGraphPart: modelId: .*string/i],
    ['a path step with a negative node id', 'getGraphPart', { modelId: 'a', path: [{ nodeId: -1, attribute: 'body' }], part: 0 }, /^bad parameters for getGraphPart: path\.0\.nodeId: /],
    ['a fractional part', 'getGraphPart', { modelId: 'a', path: [], part: 1.5 }, /^bad parameters for getGraphPart: part: /],
    ['a fractional subgraph index', 'getTensor', { modelId: 'a', path: [{ nodeId: 1, attribute: 'g', index: 0.5 }], name: 'w' }, /path\.0\.index: /],
    ['an unknown field', 'getTensor', { modelId: 'a', path: [], name: 'w', extra: 1 }, /^bad parameters for getTensor: .*extra/],
    ['an empty model id', 'getTensor', { modelId: '', path: [], name: 'w' }, /modelId: /],
    ['bytes that are not bytes', 'openModel', { source: { name: 'm.onnx', bytes: [1, 2, 3] } }, /^bad parameters for openModel: source\.bytes: expected bytes/],
    ['a source that is neither form', 'openModel', { source: { url: 'http://x' } }, /^bad parameters for openModel: source/],
    ['a path that is not a string', 'openModel', { source: { path: 42 } }, /^bad parameters for openModel: source\.path: /],
    ['parameters to a method that takes none', 'initialModel', { x: 1 }, /^bad parameters for initialModel: .*x/],
  ];
  for (const [what, method, params, message] of malformed) {
    it(`rejects ${what} with one line`, () => {
      const e = rejection(() => parseParams(method, params));
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    });
  }

  it('reports how many more problems there were', () => {
    const e = rejection(() => parseParams('getTensor', { modelId: 1, path: 'x', name: 2 }));
    expect(e.message).toMatch(/\(and 2 more problem\(s\)\)$/);
  });
});

// The editing rows are exercised against the real service (test/server/operations-api.test.ts).
const unused = Object.fromEntries(
  ['listOperations', 'previewOperation', 'applyOperation', 'undo', 'redo', 'goToStep', 'getHistory', 'saveModel', 'getJob', 'cancelJob', 'startProfile', 'getProfile', 'startCompare', 'getCompare', 'getDocumentState', 'chooseSavePath', 'listRecoveries', 'restoreRecovery', 'discardRecovery', 'getQuantizeSettings', 'startQuantize', 'getQuantize', 'startSensitivity', 'getSensitivity', 'getRecipeSchema', 'historyRecipe', 'runRecipe', 'getRecipeFolder', 'setRecipeFolder', 'chooseRecipeFolder', 'readRecipe', 'saveRecipe', 'startServing', 'stopServing', 'getServing', 'startLoad', 'getLoad', 'getModelText', 'applyModelText', 'getGraphChanges'].map((m) => [m, () => Promise.reject(new Error(`${m}: not used here`))]),
) as unknown as Pick<Backend, 'listOperations' | 'previewOperation' | 'applyOperation' | 'undo' | 'redo' | 'goToStep' | 'getHistory' | 'saveModel' | 'getJob' | 'cancelJob' | 'startProfile' | 'getProfile' | 'startCompare' | 'getCompare' | 'getDocumentState' | 'chooseSavePath' | 'listRecoveries' | 'restoreRecovery' | 'discardRecovery' | 'getQuantizeSettings' | 'startQuantize' | 'getQuantize' | 'startSensitivity' | 'getSensitivity' | 'getRecipeSchema' | 'historyRecipe' | 'runRecipe' | 'getRecipeFolder' | 'setRecipeFolder' | 'chooseRecipeFolder' | 'readRecipe' | 'saveRecipe' | 'getPruneGroups' | 'startPrune' | 'getPrune' | 'startServing' | 'stopServing' | 'getServing' | 'startLoad' | 'getLoad' | 'getModelText' | 'applyModelText' | 'getPruneSettings' | 'getGraphChanges'>;

describe('dispatch', () => {
  const info = { modelId: 'm1' } as OpenedModelInfo;
  const handlers: MethodHandlers = {
    ...handlersFor({
      initialModel: async () => null,
      openModel: async () => info,
      getGraph: async () => {
        throw new WorkbenchError('BAD_GRAPH_PATH', 'no subgraph #9.body');
      },
      getTensor: async () => {
        throw new TypeError('x is undefined\n    at somewhere');
      },
      getVerifySettings: async () => ({ settings: { dims: {}, values: {} }, remembered: false }),
      setVerifySettings: async (_id, settings) => ({ settings, remembered: true }),
      ...unused,
    }),
  };

  it('answers with the result in an envelope', async () => {
    expect(await dispatch(handlers, 'initialModel', {})).toEqual({ ok: true, result: null });
  });

  it('refuses unknown methods, including names inherited from Object', async () => {
    for (const name of ['nope', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await dispatch(handlers, name, {});
      expect(r).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method "${name}"` } });
    }
  });

  it('refuses malformed parameters before calling the handler', async () => {
    const r = await dispatch(handlers, 'openModel', { source: {} });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('BAD_REQUEST');
  });

  it('carries a WorkbenchError as {code, message}, and other errors as one INTERNAL line', async () => {
    expect(await dispatch(handlers, 'getGraphPart', { modelId: 'm', path: [], part: 0 })).toEqual({
      ok: false,
      error: { code: 'BAD_GRAPH_PATH', message: 'no subgraph #9.body' },
    });
    const r = await dispatch(handlers, 'getTensor', { modelId: 'm', path: [], name: 'w' });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'x is undefined\\n    at somewhere' } });
  });
});

describe('responses and events where they arrive', () => {
  it('rethrows an error envelope as a WorkbenchError with its code', () => {
    const e = rejection(() => unwrapResponse('getGraphPart', { ok: false, error: { code: 'UNKNOWN_MODEL', message: 'no open model "x"' } }));
    expect([e.code, e.message]).toEqual(['UNKNOWN_MODEL', 'no open model "x"']);
  });

  it('refuses results that do not match the method', () => {
    const e = rejection(() => unwrapResponse('getTensor', { ok: true, result: { name: 'w' } }));
    expect(e.code).toBe('BAD_RESPONSE');
    expect(e.message).toMatch(/^bad result from getTensor: elemType: /);
    expect(rejection(() => unwrapResponse('getGraphPart', 'nonsense')).code).toBe('BAD_RESPONSE');
  });

  it('keeps NaN and infinities through JSON', () => {
    const stats = { min: -Infinity, max: Infinity, mean: NaN, std: NaN, zeros: 0, nanCount: 2, sparsity: 0 };
    const text = toJson({ ok: true, result: { stats, name: '$number' } });
    expect(JSON.parse(text).result.stats.mean).toEqual({ $number: 'NaN' });
    const back = fromJson(text) as { result: { stats: typeof stats; name: string } };
    expect(back.result.stats).toEqual(stats);
    expect(back.result.name).toBe('$number');
    expect(fromJson('{"a":{"$number":"NaN","b":1}}')).toEqual({ a: { $number: 'NaN', b: 1 } });
  });

  it('checks event payloads', () => {
    expect(parseEvent({ event: 'progress', data: { jobId: 'j', done: 1, total: 2, message: 'reading' } })).toEqual({
      event: 'progress',
      data: { jobId: 'j', done: 1, total: 2, message: 'reading' },
    });
    expect(parseEvent({ event: 'later-feature', data: {} })).toBeUndefined();
    expect(rejection(() => parseEvent({ event: 'progress', data: { jobId: 'j' } })).message).toMatch(/^bad progress event: done: /);
  });
});

describe('fast checks of long arrays agree with the per-element schemas', () => {
  const node = {
    id: 3,
    name: 'n',
    opType: 'If',
    domain: '',
    inputs: ['a', ''],
    outputs: ['b'],
    attributes: { then_branch: '<graph t>' },
    subgraphs: [{ attribute: 'then_branch', name: 't', nodeCount: 1 }, { attribute: 'branches', index: 0, name: 'u', nodeCount: 2 }],
  };
  const value = { name: 'v', elemType: 'float', shape: [1, 'seq', null], source: 'inferred' };
  const variants = (base: Record<string, unknown>): [string, unknown][] => {
    const out: [string, unknown][] = [];
    for (const key of Object.keys(base)) {
      const { [key]: _dropped, ...rest } = base;
      out.push([`without ${key}`, rest]);
      for (const bad of [null, 7, 'x', -1, 1.5, [], [7], {}, { k: 1 }]) out.push([`${key} = ${JSON.stringify(bad)}`, { ...base, [key]: bad }]);
    }
    out.push(['not an object', 'node'], ['null', null]);
    return out;
  };

  it('accept the same well-formed elements', () => {
    expect(graphNodesSchema.safeParse([node]).success).toBe(true);
    expect(graphNodeInfoSchema.safeParse(node).success).toBe(true);
    expect(graphValuesSchema.safeParse([value, { ...value, shape: null, source: 'unknown' }]).success).toBe(true);
    expect(graphValueInfoSchema.safeParse(value).success).toBe(true);
  });

  for (const [schema, single, base, what] of [
    [graphNodesSchema, graphNodeInfoSchema, node, 'node'],
    [graphValuesSchema, graphValueInfoSchema, value, 'value'],
  ] as const) {
    it(`reject the same malformed ${what}s`, () => {
      for (const [how, element] of variants(base)) {
        const zod = single.safeParse(element).success;
        const fast = (schema as z.ZodType).safeParse([base, element]).success;
        expect(fast, `${what} ${how}`).toBe(zod);
      }
    });
  }

  it('name the element and field of the first problem', () => {
    const graph = { path: [], name: 'g', nodes: [node, { ...node, inputs: ['a', 5] }], inputs: [], outputs: [], initializers: [], values: [] };
    const e = rejection(() => parseResult('getGraphPart', { parts: 1, totals: { nodes: 2, values: 0, initializers: 0 }, graph }));
    expect(e.message).toBe('bad result from getGraphPart: graph.nodes.1.inputs.1: expected a string');
  });
});
