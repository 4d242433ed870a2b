import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto } from '../../../shared/onnx/proto-types.js';
import { shapeFolding } from '../../../shared/passes/cleanup/shape-folding.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import { tensorValues } from '../../../shared/verify/tensor-data.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;

// x → Relu → a (declared shape, unless null) → NODE → s → Identity → y
function around(n: NodeProto, shape: DimSpec[] | null, concrete: number[] = [2, 3, 4], sOutput = false) {
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['a']), { ...n, input: ['a'], output: [sOutput ? 'y' : 's'] }, ...(sOutput ? [] : [node('Identity', ['s'], ['y'])])],
      inputs: [valueInfo('x', F, concrete)],
      outputs: [valueInfo('y', ElemType.INT64)],
      valueInfo: shape ? [valueInfo('a', F, shape)] : [],
    }),
    { opset: 17 },
  );
}

const folded = (m: IrModel, name = 's') => Array.from(tensorValues(m.graph.initializers.get(name)!) as BigInt64Array, Number);

describe('shape-folding', () => {
  it('folds Shape (with start/end) and Size of fully known shapes', async () => {
    const shape = await optimizeAndCompare(around(node('Shape', [], []), [2, 3, 4]), [shapeFolding]);
    expect(shape.matches).toBe(1);
    expect(opsOf(shape.model)).toEqual(['Relu', 'Identity']);
    expect(folded(shape.model)).toEqual([2, 3, 4]);

    const sliced = await optimizeAndCompare(around(node('Shape', [], [], { start: 1, end: -1 }), [2, 3, 4]), [shapeFolding]);
    expect(folded(sliced.model)).toEqual([3]);
    const clamped = await optimizeAndCompare(around(node('Shape', [], [], { start: -10, end: 10 }), [2, 3, 4]), [shapeFolding]);
    expect(folded(clamped.model)).toEqual([2, 3, 4]);
    const empty = await optimizeAndCompare(around(node('Shape', [], [], { start: 2, end: 1 }), [2, 3, 4]), [shapeFolding]);
    expect(folded(empty.model)).toEqual([]);

    const size = await optimizeAndCompare(around(node('Size', [], []), [2, 3, 4]), [shapeFolding]);
    expect(folded(size.model)).toEqual([24]);
    expect(size.model.graph.initializers.get('s')!.dims ?? []).toEqual([]);
  });

  it('keeps Shape/Size of symbolic or unknown shapes (except the dims it does not read)', async () => {
    expect((await optimizeAndCompare(around(node('Shape', [], []), ['N', 3, 4]), [shapeFolding])).matches).toBe(0);
    expect((await optimizeAndCompare(around(node('Size', [], []), [2, null, 4]), [shapeFolding])).matches).toBe(0);
    expect((await optimizeAndCompare(around(node('Shape', [], []), null), [shapeFolding])).matches).toBe(0);
    expect((await optimizeAndCompare(around(node('Shape', [], [], { end: 2 }), [2, 'N', 4]), [shapeFolding])).matches).toBe(0);
    const tail = await optimizeAndCompare(around(node('Shape', [], [], { start: 1 }), ['N', 3, 4]), [shapeFolding]);
    expect(folded(tail.model)).toEqual([3, 4]);
  });

  it('keeps a graph output name', async () => {
    const { model: m } = await optimizeAndCompare(around(node('Shape', [], []), [2, 3, 4], [2, 3, 4], true), [shapeFolding]);
    expect(opsOf(m)).toEqual(['Relu']);
    expect(folded(m, 'y')).toEqual([2, 3, 4]);
  });

  it('does nothing outside the selection', async () => {
    const m = new IrModel(around(node('Shape', [], []), [2, 3, 4]));
    const relu = [...m.graph.nodes].find((n) => n.opType === 'Relu')!.id;
    expect((await runPasses(m, [shapeFolding], { target: 'portable', scope: [relu] })).passes[0]!.matches).toBe(0);
  });

  it('with inference plugged in, folds integer and bool arithmetic on known dims, never float math or unknown dims', async () => {
    // x: [N, 3, 4]. Gather(shape, 1) = 3 and Equal(3, 3) are known; Gather(shape, 0) is N;
    // Cast(shape → float) is known too, but float math is left to onnxruntime.
    const I = ElemType.INT64;
    const proto = model(
      graph({
        nodes: [
          node('Shape', ['x'], ['s']),
          node('Gather', ['s', 'one'], ['d1'], { axis: 0 }),
          node('Equal', ['d1', 'three'], ['is3']),
          node('Gather', ['s', 'zero'], ['d0'], { axis: 0 }),
          node('Concat', ['d1', 'd0'], ['mixed'], { axis: 0 }),
          node('Cast', ['d1'], ['d1f'], { to: F }),
          node('Identity', ['is3'], ['y_bool']),
          node('Identity', ['mixed'], ['y_mixed']),
          node('Identity', ['d1f'], ['y_float']),
        ],
        inputs: [valueInfo('x', F, ['N', 3, 4])],
        outputs: [valueInfo('y_bool', ElemType.BOOL), valueInfo('y_mixed', I), valueInfo('y_float', F)],
        initializers: [tensor('one', I, [1], [1]), tensor('zero', I, [1], [0]), tensor('three', I, [1], [3])],
      }),
      { opset: 17 },
    );
    const { model: m, matches } = await optimizeAndCompare(proto, [shapeFolding], { inferTypes });
    // Gather(shape, 1), Equal, and the Identity passing Equal's value to a graph output.
    expect(matches).toBe(3);
    expect(opsOf(m)).toEqual(['Shape', 'Gather', 'Concat', 'Cast', 'Identity', 'Identity']);
    expect(m.graph.initializers.get('y_bool')?.dataType).toBe(ElemType.BOOL);
    expect(folded(m, 'd1')).toEqual([3]);
    expect(Array.from(tensorValues(m.graph.initializers.get('is3')!) as Uint8Array)).toEqual([1]);
    expect(m.graph.initializers.get('is3')!.dataType).toBe(ElemType.BOOL);
  });

  it('with inference plugged in, makes a Reshape target computed from shapes a constant (0 copies a dim, -1 infers one)', async () => {
    const I = ElemType.INT64;
    // target = Concat(Cast(Slice(Cast(Shape(x) → int32), 0:1) → int64), 200), as paddle2onnx writes it.
    const reshapeOf = (dims: DimSpec[], tail: string[]) =>
      model(
        graph({
          nodes: [
            node('Shape', ['x'], ['s']),
            node('Cast', ['s'], ['s32'], { to: ElemType.INT32 }),
            node('Slice', ['s32', 'zero', 'one'], ['head32']),
            node('Cast', ['head32'], ['head'], { to: I }),
            node('Concat', ['head', ...tail], ['target'], { axis: 0 }),
            node('Reshape', ['x', 'target'], ['y']),
          ],
          inputs: [valueInfo('x', F, dims)],
          outputs: [valueInfo('y', F)],
          initializers: [tensor('zero', I, [1], [0]), tensor('one', I, [1], [1]), tensor('c200', I, [1], [200]), tensor('neg', I, [1], [-1])],
        }),
        { opset: 17 },
      );
    const { model: m, matches } = await optimizeAndCompare(reshapeOf(['N', 200, 1, 1], ['c200']), [shapeFolding], { inferTypes });
    const reshape = [...m.graph.nodes].find((n) => n.opType === 'Reshape')!;
    expect(folded(m, reshape.inputs[1])).toEqual([0, 200]);
    expect(matches).toBeGreaterThanOrEqual(1);
    // A symbolic dim from another index becomes -1; with an explicit -1 as well, two would be unknown.
    const moved = new IrModel(reshapeOf(['N', 'M'], ['neg']));
    const swapped = moved.graph.producer('target')!;
    moved.graph.setInputs(swapped, ['neg', 'head']);
    await runPasses(moved, [shapeFolding], { target: 'portable', inferTypes });
    expect([...moved.graph.nodes].find((n) => n.opType === 'Reshape')!.inputs[1]).toBe('target');
  });
});
