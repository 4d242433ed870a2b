import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, typedTensor, valueInfo } from '../../shared/builder/index.js';
import { decodeTensor } from '../../shared/rewrite/value-facts.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { setInitializer } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, run } from './helpers.js';

const F = ElemType.FLOAT;

// x[3] → Mul(x, scale) → m → Reshape(m, shape) → y[1,3]; plus a big weight, an int8 table, a bool mask (typed fields).
function net() {
  return model(
    graph({
      nodes: [
        node('Mul', ['x', 'scale'], ['m'], {}, { name: 'mul' }),
        node('Reshape', ['m', 'shape'], ['y'], {}, { name: 'reshape' }),
        node('Neg', ['big'], ['b'], {}, { name: 'neg' }),
        node('Cast', ['table'], ['t'], { to: F }, { name: 'cast' }),
        node('Not', ['mask'], ['nm'], {}, { name: 'not' }),
      ],
      inputs: [valueInfo('x', F, [3])],
      outputs: [valueInfo('y', F, [1, 3]), valueInfo('b', F, [5000]), valueInfo('t', F, [2]), valueInfo('nm', ElemType.BOOL, [2])],
      initializers: [
        tensor('scale', F, [3], [1, 1, 1]),
        tensor('shape', ElemType.INT64, [2], [1, 3]),
        tensor('big', F, [5000], new Float32Array(5000)),
        tensor('table', ElemType.INT8, [2], [1, 2]),
        typedTensor('mask', ElemType.BOOL, [2], [true, false]),
      ],
    }),
  );
}

const valuesOf = (m: ReturnType<typeof load>, name: string) => Array.from(decodeTensor(m.graph.initializers.get(name)!, () => undefined) as ArrayLike<number | bigint | boolean>);

describe('set-initializer', () => {
  it('replaces a float and an int64 initializer; onnxruntime computes with the new values', async () => {
    const m = load(net());
    const r = applyAndCheckUndo(m, () => setInitializer.apply(m, { initializer: 'scale', values: '[2, 0.5, -1]' }));
    expect(r.summary).toBe('initializer "scale" (float[3]) = [2, 0.5, -1]');
    const reshaped = applyAndCheckUndo(m, () => setInitializer.apply(m, { initializer: 'shape', values: '3,1' }));
    // y's declared [1,3] described the old target shape.
    expect(reshaped.annotationsUpdated).toBe(1);
    expect(typeFromProto(m.graph.outputs[0]!.type)).toEqual({ kind: 'tensor', elemType: F, shape: [3, 1] });
    const x = floats([3]);
    const out = await run(m, { x });
    const xs = Array.from(x.data as Float32Array);
    expect(out.y).toEqual({ dims: [3, 1], data: [Math.fround(xs[0]! * 2), Math.fround(xs[1]! * 0.5), -xs[2]!] });
    // Its place among the initializers is kept.
    expect([...m.graph.initializers.keys()]).toEqual(['scale', 'shape', 'big', 'table', 'mask']);
  });

  it('writes int8 and bool values, replacing typed-field data', () => {
    const m = load(net());
    setInitializer.apply(m, { initializer: 'table', values: '[-128, 127]' });
    setInitializer.apply(m, { initializer: 'mask', values: '[false, 1]' });
    expect(valuesOf(m, 'table')).toEqual([-128, 127]);
    expect(valuesOf(m, 'mask').map(Boolean)).toEqual([false, true]);
    expect(m.graph.initializers.get('mask')!.int32Data).toBeUndefined();
  });

  it('refuses the wrong count, values of another type or out of range, unknown and large initializers', () => {
    const m = load(net());
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'scale', values: '[1, 2]' }), /set initializer "scale" refused: it holds 3 value\(s\) \(shape \[3\]\), and 2 were given/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'shape', values: '[1.5, 2]' }), /"1\.5" is not a whole number \(it is int64\)/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'scale', values: '[1, x, 2]' }), /"x" is not a number \(it is float\)/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'table', values: '[1, 300]' }), /set initializer "table" refused: .*300/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'mask', values: '[yes, no]' }), /"yes" is not true, false, 0 or 1/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'x', values: '1' }), /no initializer named "x"/);
    expectRefused(m, () => setInitializer.apply(m, { initializer: 'big', values: '1' }), /it has 5000 elements; only initializers of up to 4096/);
  });
});
