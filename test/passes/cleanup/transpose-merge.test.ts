import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../../shared/builder/index.js';
import { attrInts } from '../../../shared/ir/attribute-values.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto } from '../../../shared/onnx/proto-types.js';
import { transposeMerge } from '../../../shared/passes/cleanup/transpose-merge.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;

// x[2,3,4] → Relu → a → transposes → Neg → y.
function around(transposes: NodeProto[], outputs = ['y'], extra: NodeProto[] = []) {
  return model(
    graph({
      nodes: [node('Relu', ['x'], ['a']), ...transposes, node('Neg', [transposes[transposes.length - 1]!.output![0]!], ['y']), ...extra],
      inputs: [valueInfo('x', F, [2, 3, 4])],
      outputs: outputs.map((o) => valueInfo(o, F)),
    }),
  );
}

const permOf = (m: IrModel) => attrInts([...m.graph.nodes].find((n) => n.opType === 'Transpose')!, 'perm');

describe('transpose-merge', () => {
  it('removes transposes that cancel and composes the others', async () => {
    const cancel = await optimizeAndCompare(around([node('Transpose', ['a'], ['t1'], { perm: [1, 2, 0] }), node('Transpose', ['t1'], ['t2'], { perm: [2, 0, 1] })]), [transposeMerge]);
    expect(cancel.matches).toBe(1);
    expect(opsOf(cancel.model)).toEqual(['Relu', 'Neg']);

    const compose = await optimizeAndCompare(around([node('Transpose', ['a'], ['t1'], { perm: [1, 0, 2] }), node('Transpose', ['t1'], ['t2'], { perm: [0, 2, 1] })]), [transposeMerge]);
    expect(opsOf(compose.model)).toEqual(['Relu', 'Transpose', 'Neg']);
    expect(permOf(compose.model)).toEqual([1, 2, 0]);

    // Without perm both reverse: twice is the identity, whatever the rank.
    const reversed = await optimizeAndCompare(around([node('Transpose', ['a'], ['t1']), node('Transpose', ['t1'], ['t2'])]), [transposeMerge]);
    expect(opsOf(reversed.model)).toEqual(['Relu', 'Neg']);

    // One perm missing: the other's length gives the rank.
    const half = await optimizeAndCompare(around([node('Transpose', ['a'], ['t1']), node('Transpose', ['t1'], ['t2'], { perm: [0, 2, 1] })]), [transposeMerge]);
    expect(permOf(half.model)).toEqual([2, 0, 1]);

    const three = await optimizeAndCompare(
      around([
        node('Transpose', ['a'], ['t1'], { perm: [1, 0, 2] }),
        node('Transpose', ['t1'], ['t2'], { perm: [0, 2, 1] }),
        node('Transpose', ['t2'], ['t3'], { perm: [2, 1, 0] }),
      ]),
      [transposeMerge],
    );
    expect(opsOf(three.model)).toEqual(['Relu', 'Transpose', 'Neg']);
  });

  it('leaves the pair when the inner result has another reader', async () => {
    const proto = around([node('Transpose', ['a'], ['t1'], { perm: [1, 0, 2] }), node('Transpose', ['t1'], ['t2'], { perm: [1, 0, 2] })], ['y', 'z'], [node('Sigmoid', ['t1'], ['z'])]);
    expect((await optimizeAndCompare(proto, [transposeMerge])).matches).toBe(0);
  });

  it('keeps a graph output name when the pair cancels', async () => {
    const proto = model(
      graph({
        nodes: [node('Relu', ['x'], ['a']), node('Transpose', ['a'], ['t1'], { perm: [1, 0] }), node('Transpose', ['t1'], ['y'], { perm: [1, 0] })],
        inputs: [valueInfo('x', F, [2, 3])],
        outputs: [valueInfo('y', F, [2, 3])],
      }),
    );
    const { model: m } = await optimizeAndCompare(proto, [transposeMerge]);
    expect([...m.graph.nodes].map((n) => `${n.opType}->${n.outputs[0]}`)).toEqual(['Relu->a', 'Identity->y']);
  });

  it('does nothing when a transpose of the pair is outside the selection', async () => {
    const m = new IrModel(around([node('Transpose', ['a'], ['t1'], { perm: [1, 0, 2] }, { name: 'T1' }), node('Transpose', ['t1'], ['t2'], { perm: [1, 0, 2] })]));
    const t1 = [...m.graph.nodes].find((n) => n.name === 'T1')!.id;
    expect((await runPasses(m, [transposeMerge], { target: 'portable', scope: [t1] })).passes[0]!.matches).toBe(0);
  });
});
