import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, typedTensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { TensorProto } from '../../../shared/onnx/proto-types.js';
import { duplicateInitializers } from '../../../shared/passes/cleanup/duplicate-initializers.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;

// x → Add(w1) → Add(w2) → ... → y: each weight read by one Add.
function addChain(weights: TensorProto[], extra: { inputs?: string[]; outputs?: string[] } = {}) {
  const shape = (weights[0]!.dims ?? []).map(Number);
  const nodes = weights.map((w, i) => node('Add', [i === 0 ? 'x' : `a${i}`, w.name!], [i === weights.length - 1 ? 'y' : `a${i + 1}`], {}, { name: `add${i}` }));
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', F, shape), ...(extra.inputs ?? []).map((n) => valueInfo(n, F, shape))],
      outputs: [valueInfo('y', F, shape), ...(extra.outputs ?? []).map((n) => valueInfo(n, F, shape))],
      initializers: weights,
    }),
  );
}

const values = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => Math.sin(i * seed) * 10);

describe('duplicate-initializers', () => {
  it('merges identical tensors, raw_data or typed fields alike, and outputs stay bit-identical', async () => {
    const proto = addChain([
      tensor('w1', F, [2, 3], values(6)),
      typedTensor('w2', F, [2, 3], values(6)),
      tensor('w3', F, [2, 3], values(6, 2)),
      tensor('w4', F, [2, 3], values(6)),
    ]);
    const { model: m, matches } = await optimizeAndCompare(proto, [duplicateInitializers]);
    expect(matches).toBe(2);
    expect([...m.graph.nodes].map((n) => n.inputs[1])).toEqual(['w1', 'w1', 'w3', 'w1']);
    expect([...m.graph.initializers.keys()]).toEqual(['w1', 'w3']);
  });

  it('does not merge tensors that differ in type, dims or a single byte far from the sampled windows', async () => {
    const big = values(100_000);
    const other = [...big];
    other[54_321] = other[54_321]! + 1; // a float no 1 KiB sample window of 400 KB covers
    const proto = model(
      graph({
        nodes: [
          node('Add', ['x', 'b1'], ['a']),
          node('Add', ['a', 'b2'], ['y']),
          node('Reshape', ['s1', 'shape'], ['r1']),
          node('Cast', ['s2'], ['r2'], { to: F }),
          node('Add', ['r1', 'r2'], ['z']),
        ],
        inputs: [valueInfo('x', F, [100_000])],
        outputs: [valueInfo('y', F, [100_000]), valueInfo('z', F, [3, 2])],
        initializers: [
          tensor('b1', F, [100_000], big),
          tensor('b2', F, [100_000], other),
          tensor('s1', F, [2, 3], [1, 2, 3, 4, 5, 6]),
          tensor('s2', F, [3, 2], [1, 2, 3, 4, 5, 6]),
          tensor('shape', ElemType.INT64, [2], [3, 2]),
        ],
      }),
    );
    expect((await optimizeAndCompare(proto, [duplicateInitializers])).matches).toBe(0);
    // Same bits as float and as int32: different tensors.
    const typed = model(
      graph({
        nodes: [node('Cast', ['i'], ['ci'], { to: F }), node('Add', ['ci', 'f'], ['y'])],
        outputs: [valueInfo('y', F, [2])],
        initializers: [tensor('i', ElemType.INT32, [2], [0, 1065353216]), tensor('f', F, [2], [0, 1])],
      }),
    );
    expect((await optimizeAndCompare(typed, [duplicateInitializers])).matches).toBe(0);
  });

  it('leaves overridable defaults (initializers that are graph inputs) alone', async () => {
    const proto = addChain([tensor('w1', F, [3], [1, 2, 3]), tensor('w2', F, [3], [1, 2, 3])], { inputs: ['w2'] });
    expect((await optimizeAndCompare(proto, [duplicateInitializers])).matches).toBe(0);
  });

  it('keeps graph output names: the output copy is kept, two outputs are never merged', async () => {
    const one = addChain([tensor('w1', F, [3], [1, 2, 3]), tensor('w2', F, [3], [1, 2, 3])], { outputs: ['w2'] });
    const { model: m, matches } = await optimizeAndCompare(one, [duplicateInitializers]);
    expect(matches).toBe(1);
    expect([...m.graph.initializers.keys()]).toEqual(['w2']);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['y', 'w2']);

    const both = addChain([tensor('w1', F, [3], [1, 2, 3]), tensor('w2', F, [3], [1, 2, 3])], { outputs: ['w1', 'w2'] });
    expect((await optimizeAndCompare(both, [duplicateInitializers])).matches).toBe(0);
  });

  it('in a selection, merges only copies that selected nodes alone read', async () => {
    const proto = addChain([tensor('w1', F, [3], [1, 2, 3]), tensor('w2', F, [3], [1, 2, 3]), tensor('w3', F, [3], [1, 2, 3])]);
    const m = new IrModel(proto);
    const add2 = [...m.graph.nodes].find((n) => n.name === 'add2')!.id;
    const r = await runPasses(m, [duplicateInitializers], { target: 'portable', scope: [add2] });
    expect(r.passes[0]!.matches).toBe(1);
    expect([...m.graph.nodes].map((n) => n.inputs[1])).toEqual(['w1', 'w2', 'w1']);
  });
});
