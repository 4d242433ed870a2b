import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType as T, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { castChainIsExact, castMerge } from '../../../shared/passes/cleanup/cast-merge.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { toOrtTensor } from '../../../electron/runtime/ort-tensors.js';
import { opsOf, optimizeAndCompare, run } from './harness.js';

// x → Identity → a → Cast(via) → Cast(to) → Identity → y; a's type declared unless told not to.
function chain(from: number, via: number, to: number, declare = true) {
  return model(
    graph({
      nodes: [node('Identity', ['x'], ['a']), node('Cast', ['a'], ['c'], { to: via }), node('Cast', ['c'], ['d'], { to }), node('Identity', ['d'], ['y'])],
      inputs: [valueInfo('x', from, [8])],
      outputs: [valueInfo('y', to, [8])],
      valueInfo: declare ? [valueInfo('a', from, [8])] : [],
    }),
  );
}

// Values that break lossy casts: extremes, signed zeros, NaN, infinities, fractions, subnormals.
const EDGES: Readonly<Record<number, readonly (number | bigint | boolean)[]>> = {
  [T.FLOAT]: [NaN, Infinity, -Infinity, -0, 3.4028234663852886e38, 1.401298464324817e-45, 16777217, -0.1, 1e10, 0.5, 65504, 2.5],
  [T.DOUBLE]: [NaN, Infinity, -0, 1.7976931348623157e308, 5e-324, 2 ** 53 + 1, 0.1, -1e300, 1e10, 3.4028235677973366e38, 2.5, -2.5],
  [T.FLOAT16]: [NaN, Infinity, -Infinity, -0, 65504, 5.960464477539063e-8, 0.1, -2.5, 1000, 2049, 0.5, 1],
  [T.INT8]: [-128, 127, 0, -1, 1, 100, -100, 64, 3, -3, 7, -7],
  [T.UINT8]: [0, 255, 128, 1, 254, 7, 100, 200, 3, 4, 5, 6],
  [T.INT16]: [-32768, 32767, 0, -1, 2049, -2049, 300, 12345, -12345, 1, 2, 3],
  [T.UINT16]: [0, 65535, 65504, 2049, 32768, 1, 300, 12345, 54321, 2, 3, 4],
  [T.INT32]: [-(2 ** 31), 2 ** 31 - 1, 0, -1, 16777217, -16777217, 2 ** 24 + 3, 300, 1, 2, 3, 4],
  [T.UINT32]: [0, 2 ** 32 - 1, 2 ** 31, 16777217, 1, 300, 2 ** 24 + 3, 7, 2, 3, 4, 5],
  [T.INT64]: [-(2n ** 63n), 2n ** 63n - 1n, 0, -1, 2n ** 53n + 1n, 16777217, 300, 1, 2, 3, 4, 5],
  [T.UINT64]: [0, 2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 16777217, 1, 300, 2, 3, 4, 5, 6],
  [T.BOOL]: [true, false, true, true, false, false, true, false, true, true, false, true],
};
const TYPES = Object.keys(EDGES).map(Number);
const VIAS = [...TYPES, T.BFLOAT16];

describe('cast-merge', () => {
  it('the lossless table holds under onnxruntime: Cast(Cast(x, via), to) = Cast(x, to) bit for bit, for every allowed triple', async () => {
    let checked = 0;
    for (const from of TYPES) {
      const nodes = [];
      const outputs = [];
      for (const via of VIAS) {
        for (const to of TYPES) {
          if (!castChainIsExact(from, via, to)) continue;
          const k = `${via}_${to}`;
          nodes.push(node('Cast', ['x'], [`v${k}`], { to: via }), node('Cast', [`v${k}`], [`chain${k}`], { to }), node('Cast', ['x'], [`direct${k}`], { to }));
          outputs.push(valueInfo(`chain${k}`, to), valueInfo(`direct${k}`, to));
          checked++;
        }
      }
      if (!nodes.length) continue;
      const edges = EDGES[from]!;
      const m = model(graph({ nodes, inputs: [valueInfo('x', from, [edges.length])], outputs }));
      const out = await run(m, { x: toOrtTensor(tensor('x', from, [edges.length], edges)) });
      for (const o of outputs) {
        if (!o.name!.startsWith('chain')) continue;
        expect(out[o.name!], `${from} → ${o.name}`).toEqual(out[o.name!.replace('chain', 'direct')]);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('merges widening chains and removes round trips', async () => {
    const roundTrip = await optimizeAndCompare(chain(T.FLOAT, T.DOUBLE, T.FLOAT), [castMerge]);
    expect(roundTrip.matches).toBe(1);
    expect(opsOf(roundTrip.model)).toEqual(['Identity', 'Identity']);

    const ints = await optimizeAndCompare(chain(T.INT32, T.INT64, T.INT32), [castMerge]);
    expect(opsOf(ints.model)).toEqual(['Identity', 'Identity']);

    const widen = await optimizeAndCompare(chain(T.INT32, T.INT64, T.FLOAT), [castMerge]);
    expect(opsOf(widen.model)).toEqual(['Identity', 'Cast', 'Identity']);
    expect(Number([...widen.model.graph.nodes].find((n) => n.opType === 'Cast')!.attribute('to')!.i)).toBe(T.FLOAT);

    const small = await optimizeAndCompare(chain(T.UINT8, T.FLOAT16, T.FLOAT), [castMerge]);
    expect(small.matches).toBe(1);
  });

  it('keeps lossy or unknowable chains: float→int→float, double→float→double, float→double→int, unknown source type', async () => {
    const cases: [number, number, number, boolean][] = [
      [T.FLOAT, T.INT32, T.FLOAT, true],
      [T.DOUBLE, T.FLOAT, T.DOUBLE, true],
      [T.INT64, T.DOUBLE, T.INT64, true],
      [T.INT32, T.FLOAT, T.INT32, true],
      [T.UINT16, T.FLOAT16, T.FLOAT, true],
      [T.FLOAT, T.DOUBLE, T.INT32, true],
      [T.FLOAT, T.DOUBLE, T.STRING, true],
      // The source type is unknown: even float→double→float cannot be judged.
      [T.FLOAT, T.DOUBLE, T.FLOAT, false],
    ];
    for (const [from, via, to, declare] of cases) {
      const m = new IrModel(chain(from, via, to, declare));
      const r = await runPasses(m, [castMerge], { target: 'portable' });
      expect(r.passes[0]!.matches, `${from}→${via}→${to}`).toBe(0);
    }
    // The lossy ones really differ under onnxruntime: the guard is not just being timid.
    const feeds = { x: new ort.Tensor('float32', Float32Array.from([0.5, 1.7, -2.2, 3, 4, 5, 6, 7]), [8]) };
    const lossy = await run(chain(T.FLOAT, T.INT32, T.FLOAT), feeds);
    expect(Array.from(new Float32Array(Uint8Array.from(lossy.y!.data as number[]).buffer)).slice(0, 3)).toEqual([0, 1, -2]);
  });

  it('keeps a graph output name when the casts cancel', async () => {
    const proto = model(
      graph({
        nodes: [node('Relu', ['x'], ['a']), node('Cast', ['a'], ['c'], { to: T.DOUBLE }), node('Cast', ['c'], ['y'], { to: T.FLOAT })],
        inputs: [valueInfo('x', T.FLOAT, [4])],
        outputs: [valueInfo('y', T.FLOAT, [4])],
        valueInfo: [valueInfo('a', T.FLOAT, [4])],
      }),
    );
    const { model: m } = await optimizeAndCompare(proto, [castMerge]);
    expect([...m.graph.nodes].map((n) => `${n.opType}->${n.outputs[0]}`)).toEqual(['Relu->a', 'Identity->y']);
  });
});
