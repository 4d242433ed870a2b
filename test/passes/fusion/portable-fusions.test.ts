import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { PORTABLE_FUSIONS } from '../../../shared/passes/fusion/index.js';
import { bnParams, expectSameOutputs, fuse, randomTensor } from './fusion-harness.js';

describe('PORTABLE_FUSIONS', () => {
  it('are distinct, portable, declared as reassociating, and described', () => {
    const names = PORTABLE_FUSIONS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PORTABLE_FUSIONS) {
      expect(p.target).toBe('portable');
      expect(p.numerics).toBe('reassociation');
      expect(p.description.length).toBeGreaterThan(40);
    }
  });

  it('fuse a chain in one run: Pad → Conv → BatchNormalization → Mul → Add becomes one Conv', async () => {
    const proto = model(
      graph({
        nodes: [
          node('Pad', ['x', 'pads'], ['p']),
          node('Conv', ['p', 'W'], ['c'], { kernel_shape: [3, 3] }),
          node('BatchNormalization', ['c', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['b'], { epsilon: attrFloat(1e-3) }),
          node('Mul', ['b', 'k'], ['m']),
          node('Add', ['m', 'a'], ['y']),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 3, 8, 8])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 5, 8, 8])],
        initializers: [
          tensor('pads', ElemType.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1]),
          randomTensor('W', [5, 3, 3, 3], 1),
          ...bnParams('bn', 5, 2),
          randomTensor('k', [5, 1, 1], 3),
          randomTensor('a', [1, 5, 1, 1], 4),
        ],
      }),
      { opset: 13 },
    );
    const { ops, model: m, result } = await fuse(proto, PORTABLE_FUSIONS);
    expect(ops).toEqual(['Conv']);
    expect(result.passes.filter((p) => p.matches > 0).map((p) => p.name)).toEqual(['fuse-pad-conv', 'fuse-conv-batchnorm', 'fuse-conv-mul', 'fuse-conv-add']);
    await expectSameOutputs(proto, m);
  });

  it('fuse a linear layer and its BatchNorm1d: Transpose → MatMul → Add → BatchNormalization becomes one Gemm', async () => {
    const proto = model(
      graph({
        nodes: [
          node('Transpose', ['x'], ['xt'], { perm: [1, 0] }),
          node('MatMul', ['xt', 'W'], ['mm']),
          node('Add', ['mm', 'bias'], ['h']),
          node('BatchNormalization', ['h', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['y']),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [6, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [4, 3])],
        initializers: [randomTensor('W', [6, 3], 1), randomTensor('bias', [3], 2), ...bnParams('bn', 3, 3)],
        valueInfo: [valueInfo('xt', ElemType.FLOAT, [4, 6])],
      }),
      { opset: 13 },
    );
    const { ops, model: m } = await fuse(proto, PORTABLE_FUSIONS);
    expect(ops).toEqual(['Gemm']);
    expect([...m.graph.nodes][0]!.attribute('transA')!.i).toBe(1);
    await expectSameOutputs(proto, m);
  });
});
