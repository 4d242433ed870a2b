import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto } from '../../../shared/onnx/proto-types.js';
import { reshapeMerge } from '../../../shared/passes/cleanup/reshape-merge.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const shape = (name: string, v: number[]) => tensor(name, ElemType.INT64, [v.length], v);

// x → Relu → a → Reshape(s1) → r1 → Reshape(s2, attrs) → r2 → Neg → y.
function pair(x: DimSpec[], s1: number[], s2: number[], outerAttrs = {}, extra: NodeProto[] = [], outputs = ['y']) {
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['a']), node('Reshape', ['a', 's1'], ['r1']), node('Reshape', ['r1', 's2'], ['r2'], outerAttrs), node('Neg', ['r2'], ['y']), ...extra],
      inputs: [valueInfo('x', F, x)],
      outputs: outputs.map((o) => valueInfo(o, F)),
      initializers: [shape('s1', s1), shape('s2', s2)],
    }),
  );
}

const reshapeTarget = (m: IrModel) => [...m.graph.nodes].find((n) => n.opType === 'Reshape')!.inputs[1];

describe('reshape-merge', () => {
  it('reshapes the original input when the outer target is constant without 0', async () => {
    const plain = await optimizeAndCompare(pair([2, 3, 4], [6, 4], [4, 6]), [reshapeMerge]);
    expect(plain.matches).toBe(1);
    expect(opsOf(plain.model)).toEqual(['Relu', 'Reshape', 'Neg']);
    expect(reshapeTarget(plain.model)).toBe('s2');

    const inferred = await optimizeAndCompare(pair([2, 3, 4], [0, 12], [-1, 3]), [reshapeMerge]);
    expect(inferred.matches).toBe(1);

    // With allowzero a 0 means an empty dim, not a copy.
    const empty = await optimizeAndCompare(pair([2, 0, 3], [6, 0], [0, 5], { allowzero: 1 }), [reshapeMerge]);
    expect(empty.matches).toBe(1);
  });

  it('keeps the pair when the outer target copies dims (0) or is not constant, or the inner result is read elsewhere', async () => {
    // [2,3,4] → [6,4] → [0,-1] copies 6, which x's dim 0 (2) is not.
    expect((await optimizeAndCompare(pair([2, 3, 4], [6, 4], [0, -1]), [reshapeMerge])).matches).toBe(0);

    const computed = model(
      graph({
        nodes: [node('Reshape', ['x', 's1'], ['r1']), node('Shape', ['z'], ['zs']), node('Reshape', ['r1', 'zs'], ['y'])],
        inputs: [valueInfo('x', F, [2, 3, 4]), valueInfo('z', F, [4, 6])],
        outputs: [valueInfo('y', F)],
        initializers: [shape('s1', [6, 4])],
      }),
    );
    expect((await optimizeAndCompare(computed, [reshapeMerge])).matches).toBe(0);

    const shared = pair([2, 3, 4], [6, 4], [4, 6], {}, [node('Sigmoid', ['r1'], ['z'])], ['y', 'z']);
    expect((await optimizeAndCompare(shared, [reshapeMerge])).matches).toBe(0);
  });

  it('does nothing outside the selection', async () => {
    const m = new IrModel(pair([2, 3, 4], [6, 4], [4, 6]));
    const outer = [...m.graph.nodes].filter((n) => n.opType === 'Reshape')[1]!.id;
    expect((await runPasses(m, [reshapeMerge], { target: 'portable', scope: [outer] })).passes[0]!.matches).toBe(0);
  });
});
