import { describe, expect, it } from 'vitest';
import { ElemType, graph, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { tensorProtoData } from '../../shared/verify/tensor-data.js';
import { generateInputs, inputTensor } from '../../shared/verify/input-values.js';
import { DEFAULT_DIM, planInputs, type InputSpec } from '../../shared/verify/input-spec.js';
import { deriveSeed, mulberry32 } from '../../shared/verify/prng.js';

const g = graph({
  nodes: [node('Add', ['x', 'b'], ['y']), node('Gather', ['table', 'ids'], ['e'])],
  inputs: [
    valueInfo('x', ElemType.FLOAT, ['batch', 'seq', 8]),
    valueInfo('ids', ElemType.INT64, ['batch', null]),
    valueInfo('mask', ElemType.BOOL, ['batch']),
    // An initializer listed as an input (IR < 4 style) is not fed.
    valueInfo('b', ElemType.FLOAT, [8]),
  ],
  outputs: ['y', 'e'],
  initializers: [tensor('b', ElemType.FLOAT, [8], new Float32Array(8))],
});

describe('planInputs', () => {
  it('binds symbolic dims from dims, defaults the rest to 1 and reports which', () => {
    const plan = planInputs(g, { dims: { batch: 4 } });
    expect(plan.inputs.map((i) => [i.name, i.elemType, i.shape])).toEqual([
      ['x', ElemType.FLOAT, [4, DEFAULT_DIM, 8]],
      ['ids', ElemType.INT64, [4, DEFAULT_DIM]],
      ['mask', ElemType.BOOL, [4]],
    ]);
    expect(plan.boundDims).toEqual({ batch: 4, seq: 1, 'ids[1]': 1 });
    expect(plan.defaultedDims).toEqual(['seq', 'ids[1]']);
  });

  it('binds an unnamed dim by input[axis], and nothing is defaulted when all are bound', () => {
    const plan = planInputs(g, { dims: { batch: 2, seq: 5, 'ids[1]': 7 } });
    expect(plan.inputs[1]!.shape).toEqual([2, 7]);
    expect(plan.defaultedDims).toEqual([]);
  });

  it('resolves value ranges per type: floats [-1, 1), integers [0, 10), bool {0, 1}', () => {
    const [x, ids, mask] = planInputs(g).inputs;
    expect(x!.range).toEqual({ low: -1, high: 1 });
    expect(ids!.range).toEqual({ low: 0, high: 10 });
    expect(mask!.range).toEqual({ low: 0, high: 2 });
    // A user range applies to every random input; integers round up and clamp to the type.
    const u4 = graph({ nodes: [], inputs: [valueInfo('q', ElemType.UINT4, [2]), valueInfo('r', ElemType.INT8, [2])], outputs: ['q'] });
    const [q, r] = planInputs(u4, { range: { low: -300.5, high: 12.5 } }).inputs;
    expect(q!.range).toEqual({ low: 0, high: 13 });
    expect(r!.range).toEqual({ low: -128, high: 13 });
  });

  it('skips inputs the caller gives, and their dims may still be bound', () => {
    const plan = planInputs(g, { skip: ['x'], dims: { seq: 3 } });
    expect(plan.inputs.map((i) => i.name)).toEqual(['ids', 'mask']);
  });

  it('refuses a dims entry that no input has, listing the symbolic dims there are', () => {
    expect(() => planInputs(g, { dims: { bacth: 4 } })).toThrow(
      new WorkbenchError('BAD_OPTION', "dim 'bacth' is not a symbolic dim of any input (symbolic dims: batch, seq)"),
    );
    expect(() => planInputs(g, { dims: { batch: -1 } })).toThrow(/dim 'batch': -1 is not a valid size/);
  });

  it('refuses inputs it cannot generate, saying to give them', () => {
    const noShape = graph({ nodes: [], inputs: [valueInfo('x', ElemType.FLOAT)], outputs: ['x'] });
    expect(() => planInputs(noShape)).toThrow("input 'x': no declared shape (unknown rank): give its value explicitly");
    const complex = graph({ nodes: [], inputs: [valueInfo('c', ElemType.COMPLEX64, [1])], outputs: ['c'] });
    expect(() => planInputs(complex)).toThrow(/cannot generate complex64 values/);
  });
});

describe('generated input values', () => {
  const spec = (over: Partial<InputSpec>): InputSpec => ({ name: 'x', elemType: ElemType.FLOAT, shape: [1000], fill: 'random', range: { low: -1, high: 1 }, ...over });

  it('are the same for the same seed and differ for another', () => {
    const a = tensorProtoData(inputTensor(spec({}), 7)).values as Float32Array;
    const b = tensorProtoData(inputTensor(spec({}), 7)).values as Float32Array;
    const c = tensorProtoData(inputTensor(spec({}), 8)).values as Float32Array;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('cover the range: floats in [-1, 1) with both signs, integers every value of [0, 10)', () => {
    const f = tensorProtoData(inputTensor(spec({}), 1)).values as Float32Array;
    expect(Math.min(...f)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...f)).toBeLessThan(1);
    expect(f.some((v) => v < -0.9) && f.some((v) => v > 0.9)).toBe(true);
    const ints = tensorProtoData(inputTensor(spec({ elemType: ElemType.INT64, range: { low: 0, high: 10 } }), 1)).values as BigInt64Array;
    expect(new Set(ints)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => BigInt(i))));
    const bools = tensorProtoData(inputTensor(spec({ elemType: ElemType.BOOL, range: { low: 0, high: 2 } }), 1)).values as Uint8Array;
    expect(new Set(bools)).toEqual(new Set([0, 1]));
  });

  it('zeros and ones fill every type, strings too', () => {
    expect([...(tensorProtoData(inputTensor(spec({ fill: 'ones', shape: [2] }), 0)).values as Float32Array)]).toEqual([1, 1]);
    expect([...(tensorProtoData(inputTensor(spec({ fill: 'zeros', elemType: ElemType.INT32, shape: [2] }), 0)).values as Int32Array)]).toEqual([0, 0]);
    const f16 = inputTensor(spec({ fill: 'ones', elemType: ElemType.FLOAT16, shape: [1] }), 0);
    expect([...f16.rawData!]).toEqual([0x00, 0x3c]);
    expect(tensorProtoData(inputTensor(spec({ fill: 'ones', elemType: ElemType.STRING, shape: [2] }), 0)).values).toEqual(['1', '1']);
  });

  it('keep a scalar a scalar', () => {
    const t = inputTensor(spec({ shape: [] }), 3);
    expect(t.dims).toBeUndefined();
    expect(t.rawData!.length).toBe(4);
  });

  it('depend on the input name and seed, not on the inputs around it', () => {
    const x = spec({ name: 'x' });
    const y = spec({ name: 'y' });
    const alone = generateInputs([x], 5)[0]!;
    const withOther = generateInputs([y, x], 5)[1]!;
    expect(withOther.rawData).toEqual(alone.rawData);
    expect(generateInputs([y], 5)[0]!.rawData).not.toEqual(alone.rawData);
  });

  it('refuse absurd sizes in one line', () => {
    expect(() => inputTensor(spec({ shape: [1 << 20, 1 << 20] }), 0)).toThrow(/input 'x': shape \[1048576,1048576\] is too large to generate/);
  });
});

describe('prng', () => {
  it('mulberry32 is reproducible and uniform enough', () => {
    const r = mulberry32(42);
    const xs = Array.from({ length: 10000 }, r);
    expect(xs.slice(0, 3)).toEqual(Array.from({ length: 3 }, mulberry32(42)));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('deriveSeed separates names and seeds', () => {
    expect(deriveSeed(0, 'x')).not.toBe(deriveSeed(0, 'y'));
    expect(deriveSeed(0, 'x')).not.toBe(deriveSeed(1, 'x'));
    expect(deriveSeed(3, 'x')).toBe(deriveSeed(3, 'x'));
  });
});
