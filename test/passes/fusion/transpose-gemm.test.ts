import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, valueInfo, type AttrValue } from '../../../shared/builder/index.js';
import type { ModelProto, NodeProto } from '../../../shared/onnx/proto-types.js';
import { fuseTransposeGemm } from '../../../shared/passes/fusion/transpose-gemm.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

const gemmModel = (nodes: NodeProto[], extraOutputs: string[] = []): ModelProto =>
  model(
    graph({
      nodes,
      inputs: [valueInfo('a', ElemType.FLOAT, [5, 4]), valueInfo('b', ElemType.FLOAT, [3, 5])],
      outputs: [valueInfo('y', ElemType.FLOAT, null), ...extraOutputs.map((n) => valueInfo(n, ElemType.FLOAT, null))],
      initializers: [randomTensor('C', [3], 5)],
    }),
    { opset: 13 },
  );

const transpose = (input: string, output: string, perm: number[] | undefined = [1, 0]) =>
  node('Transpose', [input], [output], perm ? { perm } : {}, { name: `t_${input}` });

// y = Aᵀ·Bᵀ-style products: a [5, 4] transposed is A [4, 5]; b [3, 5] transposed is B [5, 3].
function gemm(aIn: string, bIn: string, attrs: Record<string, AttrValue> = {}): NodeProto {
  return node('Gemm', [aIn, bIn, 'C'], ['y'], { alpha: attrFloat(0.5), ...attrs }, { name: 'gemm' });
}

describe('fuse-transpose-gemm', () => {
  it('absorbs a Transpose on A, on B, or on both into transA/transB; outputs match', async () => {
    const cases: NodeProto[][] = [
      [transpose('a', 'at'), node('Gemm', ['at', 'bt0', 'C'], ['y'], { transB: 1 }, { name: 'gemm' }), node('Identity', ['b'], ['bt0'])],
      [transpose('b', 'bt'), gemm('a', 'bt', { transA: 1 })],
      [transpose('a', 'at'), transpose('b', 'bt'), gemm('at', 'bt')],
      [transpose('a', 'at', undefined), transpose('b', 'bt', undefined), gemm('at', 'bt')],
    ];
    for (const nodes of cases) {
      const proto = gemmModel(nodes);
      const { ops, model: m } = await fuse(proto, [fuseTransposeGemm]);
      expect(ops.filter((o) => o !== 'Identity')).toEqual(['Gemm']);
      await expectSameOutputs(proto, m);
    }
  });

  it('flips both flags for one Transpose read as both A and B', async () => {
    const proto = model(
      graph({
        nodes: [transpose('s', 'st'), node('Gemm', ['st', 'st'], ['y'], {}, { name: 'gemm' })],
        inputs: [valueInfo('s', ElemType.FLOAT, [4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [4, 4])],
      }),
      { opset: 13 },
    );
    const { ops, model: m } = await fuse(proto, [fuseTransposeGemm]);
    expect(ops).toEqual(['Gemm']);
    expect([...m.graph.nodes][0]!.inputs).toEqual(['s', 's']);
    await expectSameOutputs(proto, m);
  });

  it('does not remove a Transpose whose output the Gemm also reads as C (engine guard)', async () => {
    // Gemm(t, w, t): matching only A would remove the Transpose that C still reads.
    const proto = model(
      graph({
        nodes: [transpose('s', 'st'), node('Gemm', ['st', 'w', 'st'], ['y'], {}, { name: 'gemm' })],
        inputs: [valueInfo('s', ElemType.FLOAT, [4, 4]), valueInfo('w', ElemType.FLOAT, [4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [4, 4])],
      }),
      { opset: 13 },
    );
    expect((await fuse(proto, [fuseTransposeGemm])).matches).toBe(0);
  });

  it('does not fire on other permutations, a Transpose read elsewhere, or outside the selection', async () => {
    const identity = gemmModel([node('Transpose', ['b'], ['bt'], { perm: [0, 1] }), node('Gemm', ['a', 'bt', 'C'], ['y'], { transA: 1, transB: 1 })]);
    expect((await fuse(identity, [fuseTransposeGemm])).matches).toBe(0);
    const shared = gemmModel([transpose('b', 'bt'), gemm('a', 'bt', { transA: 1 })], ['bt']);
    expect((await fuse(shared, [fuseTransposeGemm])).matches).toBe(0);
    const proto = gemmModel([transpose('b', 'bt'), gemm('a', 'bt', { transA: 1 })]);
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseTransposeGemm], { scope: idsOf(probe.model, ['gemm']) })).matches).toBe(0);
    expect((await fuse(proto, [fuseTransposeGemm], { scope: idsOf(probe.model, ['gemm', 't_b']) })).matches).toBe(1);
  });
});
