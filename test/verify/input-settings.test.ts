import { describe, expect, it } from 'vitest';
import { ElemType, graph, valueInfo } from '../../shared/builder/index.js';
import { checkInputValues, parseValueOption } from '../../shared/verify/input-settings.js';
import { planInputs } from '../../shared/verify/input-spec.js';
import { generateInputs } from '../../shared/verify/input-values.js';

const g = graph({
  nodes: [],
  inputs: [
    valueInfo('x', ElemType.FLOAT, ['n', 2]),
    valueInfo('sr', ElemType.INT64, []),
    valueInfo('u', ElemType.UINT8, []),
    valueInfo('flag', ElemType.BOOL, []),
    valueInfo('s', ElemType.STRING, []),
  ],
});

describe('--value settings', () => {
  it('parses NAME=NUMBER (the last = splits) and refuses anything else', () => {
    expect(parseValueOption('sr=16000')).toEqual(['sr', 16000]);
    expect(parseValueOption('a=b=-0.5')).toEqual(['a=b', -0.5]);
    expect(parseValueOption('x=1e-3')).toEqual(['x', 0.001]);
    for (const bad of ['sr', '=3', 'sr=', 'sr=abc', 'sr=NaN', 'sr=Infinity', 'sr= ']) {
      expect(() => parseValueOption(bad)).toThrow(`--value needs NAME=NUMBER, not "${bad}"`);
    }
  });

  it('checks names and that the number fits the input type', () => {
    expect(() => checkInputValues(g, { x: 0.25, sr: 8000, u: 255, flag: 1 })).not.toThrow();
    expect(() => checkInputValues(g, { y: 1 })).toThrow("--value y=1: the model has no input 'y' (its inputs: x, sr, u, flag, s)");
    expect(() => checkInputValues(g, { u: 256 })).toThrow("--value u=256: input 'u' is uint8, which holds 0..255");
    expect(() => checkInputValues(g, { u: -1 })).toThrow(/which holds 0\.\.255/);
    expect(() => checkInputValues(g, { flag: 2 })).toThrow("--value flag=2: input 'flag' is bool, which takes 0 or 1");
    expect(() => checkInputValues(g, { sr: 0.5 })).toThrow(/takes whole numbers/);
    expect(() => checkInputValues(g, { s: 1 })).toThrow("--value s=1: input 's' is string, which takes no number");
  });

  it('a planned input with a value takes it in every element; unset dims take the default size asked for', () => {
    const plan = planInputs(graph({ nodes: [], inputs: [valueInfo('x', ElemType.FLOAT, ['n', 2]), valueInfo('sr', ElemType.INT64, [])] }), { values: { x: 3, sr: 16000 }, defaultDim: 4 });
    expect(plan.boundDims).toEqual({ n: 4 });
    expect(plan.defaultedDims).toEqual(['n']);
    const [x, sr] = generateInputs(plan.inputs, 7);
    expect(x!.dims).toEqual([4, 2]);
    expect([...new Float32Array(x!.rawData!.slice().buffer)]).toEqual(new Array(8).fill(3));
    expect(new BigInt64Array(sr!.rawData!.slice().buffer)[0]).toBe(16000n);
    expect(() => planInputs(g, { defaultDim: 0 })).toThrow('default dim 0 is not a positive size');
  });
});
