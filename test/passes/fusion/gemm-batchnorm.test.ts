import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, valueInfo, type AttrValue } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseGemmBatchNorm } from '../../../shared/passes/fusion/gemm-batchnorm.js';
import { bnParams, expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

interface Options {
  transB?: number;
  cShape?: number[] | null;
  gemmAttrs?: Record<string, AttrValue>;
  bnAttrs?: Record<string, AttrValue>;
  bAsInput?: boolean;
  gemmAlsoOutput?: boolean;
}

// Gemm(x [4, 5], B, C) → [4, 6], then BatchNorm1d over the 6 features.
function gemmBn(o: Options = {}): ModelProto {
  const transB = o.transB ?? 0;
  const bShape = transB ? [6, 5] : [5, 6];
  const cShape = o.cShape === undefined ? [6] : o.cShape;
  const initializers = [...bnParams('bn', 6, 40)];
  if (!o.bAsInput) initializers.push(randomTensor('B', bShape, 1));
  if (cShape) initializers.push(randomTensor('C', cShape, 2));
  const inputs = [valueInfo('x', ElemType.FLOAT, [4, 5])];
  if (o.bAsInput) inputs.push(valueInfo('B', ElemType.FLOAT, bShape));
  const outputs = [valueInfo('y', ElemType.FLOAT, [4, 6])];
  if (o.gemmAlsoOutput) outputs.push(valueInfo('g', ElemType.FLOAT, [4, 6]));
  const nodes = [
    node('Gemm', ['x', 'B', ...(cShape ? ['C'] : [])], ['g'], { transB, ...o.gemmAttrs }, { name: 'gemm' }),
    node('BatchNormalization', ['g', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['y'], o.bnAttrs ?? { epsilon: attrFloat(1e-2) }, { name: 'bn' }),
  ];
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: 15 });
}

describe('fuse-gemm-batchnorm', () => {
  it('folds BatchNormalization into B and C, respecting transB, alpha and beta; outputs match', async () => {
    const cases: Options[] = [
      {},
      { transB: 1 },
      { cShape: null },
      { cShape: null, transB: 1 },
      { cShape: [4, 6] },
      { cShape: [4, 1], transB: 1 },
      { cShape: [1, 6] },
      { cShape: [] },
      { gemmAttrs: { alpha: attrFloat(0.5), beta: attrFloat(-2) } },
      { gemmAttrs: { alpha: attrFloat(1.5), beta: attrFloat(3), transA: 0 }, transB: 1, cShape: [4, 6] },
    ];
    for (const o of cases) {
      const proto = gemmBn(o);
      const { ops, model: m } = await fuse(proto, [fuseGemmBatchNorm]);
      expect(ops, JSON.stringify(o)).toEqual(['Gemm']);
      expect([...m.graph.nodes][0]!.outputs).toEqual(['y']);
      await expectSameOutputs(proto, m);
    }
  });

  it('does not fire on a non-constant B, training mode, a Gemm output read elsewhere, or outside the selection', async () => {
    expect((await fuse(gemmBn({ bAsInput: true }), [fuseGemmBatchNorm])).matches).toBe(0);
    expect((await fuse(gemmBn({ bnAttrs: { training_mode: 1 } }), [fuseGemmBatchNorm])).matches).toBe(0);
    expect((await fuse(gemmBn({ gemmAlsoOutput: true }), [fuseGemmBatchNorm])).matches).toBe(0);
    const proto = gemmBn();
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseGemmBatchNorm], { scope: idsOf(probe.model, ['gemm']) })).matches).toBe(0);
  });

  it('does not fire when the BatchNormalization channels are not the Gemm columns', async () => {
    const proto = gemmBn();
    proto.graph!.initializer = proto.graph!.initializer!.map((t) => (t.name === 'bn_var' ? randomTensor('bn_var', [5], 9, 0.1, 1) : t));
    expect((await fuse(proto, [fuseGemmBatchNorm])).matches).toBe(0);
  });
});
