import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseConvTransposeBatchNorm } from '../../../shared/passes/fusion/convtranspose-batchnorm.js';
import { bnParams, expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

// ConvTranspose [2, 4, 5, 5] → [2, 6, 10, 10] (stride 2, 2×2 kernel), W [4, 6/group, 2, 2], then
// BatchNormalization over its 6 channels: a decoder upsampling block.
function convTransposeBn(o: { group?: number; bias?: boolean; bnAttrs?: Record<string, number>; outputAlso?: boolean } = {}): ModelProto {
  const group = o.group ?? 1;
  const initializers = [randomTensor('W', [4, 6 / group, 2, 2], 3), ...bnParams('bn', 6, 30)];
  if (o.bias !== false) initializers.push(randomTensor('B', [6], 4));
  const outputs = [valueInfo('y', ElemType.FLOAT, [2, 6, 10, 10])];
  if (o.outputAlso) outputs.push(valueInfo('c', ElemType.FLOAT, [2, 6, 10, 10]));
  return model(
    graph({
      nodes: [
        node('ConvTranspose', ['x', 'W', ...(o.bias !== false ? ['B'] : [])], ['c'], { kernel_shape: [2, 2], strides: [2, 2], group }, { name: 'deconv' }),
        node('BatchNormalization', ['c', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['y'], o.bnAttrs ?? { epsilon: attrFloat(1e-3) }, { name: 'bn' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 4, 5, 5])],
      outputs,
      initializers,
    }),
    { opset: 15 },
  );
}

describe('fuse-convtranspose-batchnorm', () => {
  it('folds BatchNormalization into ConvTranspose weights along the output-channel axis; outputs match', async () => {
    for (const o of [{}, { bias: false }, { group: 2 }, { group: 2, bias: false }]) {
      const proto = convTransposeBn(o);
      const { ops, model: m, matches } = await fuse(proto, [fuseConvTransposeBatchNorm]);
      expect(matches).toBe(1);
      expect(ops).toEqual(['ConvTranspose']);
      expect([...m.graph.nodes][0]!.outputs).toEqual(['y']);
      await expectSameOutputs(proto, m);
    }
  });

  it('does not fire when the ConvTranspose output is also a graph output', async () => {
    expect((await fuse(convTransposeBn({ outputAlso: true }), [fuseConvTransposeBatchNorm])).matches).toBe(0);
  });

  it('does not fire on training-mode BatchNormalization', async () => {
    expect((await fuse(convTransposeBn({ bnAttrs: { training_mode: 1 } }), [fuseConvTransposeBatchNorm])).matches).toBe(0);
  });

  it('does not fire outside the selection', async () => {
    const proto = convTransposeBn();
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseConvTransposeBatchNorm], { scope: idsOf(probe.model, ['bn']) })).matches).toBe(0);
  });

  it('leaves Conv → BatchNormalization to fuse-conv-batchnorm', async () => {
    const proto = convTransposeBn();
    proto.graph!.node![0]!.opType = 'Conv';
    proto.graph!.node![0]!.attribute = [];
    expect((await fuse(proto, [fuseConvTransposeBatchNorm])).matches).toBe(0);
  });
});
