import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseConvMul } from '../../../shared/passes/fusion/conv-mul.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

// Conv [1, 4, 6, 5] → [1, 6, 6, 5] (group 2), then Mul by a constant of shape `mulShape`.
function convMul(mulShape: number[], o: { bias?: boolean; swap?: boolean; mulAsInput?: boolean; convReadElsewhere?: boolean } = {}): ModelProto {
  const initializers = [randomTensor('W', [6, 2, 3, 3], 1)];
  if (o.bias !== false) initializers.push(randomTensor('B', [6], 2));
  if (!o.mulAsInput) initializers.push(randomTensor('K', mulShape, 3, -2, 2));
  const inputs = [valueInfo('x', ElemType.FLOAT, [1, 4, 6, 5])];
  if (o.mulAsInput) inputs.push(valueInfo('K', ElemType.FLOAT, mulShape));
  const nodes = [
    node('Conv', ['x', 'W', ...(o.bias !== false ? ['B'] : [])], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 2 }, { name: 'conv' }),
    node('Mul', o.swap ? ['K', 'c'] : ['c', 'K'], ['y'], {}, { name: 'mul' }),
  ];
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  if (o.convReadElsewhere) {
    nodes.push(node('Sigmoid', ['c'], ['s']));
    outputs.push(valueInfo('s', ElemType.FLOAT, null));
  }
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: 13 });
}

describe('fuse-conv-mul', () => {
  it('folds per-channel and scalar factors into weights and bias; outputs match', async () => {
    for (const shape of [[6, 1, 1], [1, 6, 1, 1], [], [1]]) {
      for (const o of [{}, { bias: false }, { swap: true }]) {
        const proto = convMul(shape, o);
        const { ops, model: m } = await fuse(proto, [fuseConvMul]);
        expect(ops, `shape [${shape}] ${JSON.stringify(o)}`).toEqual(['Conv']);
        expect([...m.graph.nodes][0]!.inputs).toHaveLength(o.bias === false ? 2 : 3);
        await expectSameOutputs(proto, m);
      }
    }
  });

  it('folds a chain of factors in one run', async () => {
    const proto = convMul([6, 1, 1]);
    const g = proto.graph!;
    g.node = g.node!.map((n) => (n.name === 'mul' ? { ...n, output: ['m1'] } : n));
    g.node.push(node('Mul', ['m1', 'K2'], ['y'], {}, { name: 'mul2' }));
    g.initializer = [...g.initializer!, tensor('K2', ElemType.FLOAT, [], [-0.5])];
    const { ops, model: m } = await fuse(proto, [fuseConvMul], { rounds: 1 });
    expect(ops).toEqual(['Conv']);
    await expectSameOutputs(proto, m);
  });

  it('does not fire on factors that vary along another axis or add dims', async () => {
    for (const shape of [[1, 1, 6, 1], [1, 1, 1, 5], [6, 1, 1, 1], [1, 1, 6, 1, 1]]) {
      expect((await fuse(convMul(shape), [fuseConvMul])).matches, `shape [${shape}]`).toBe(0);
    }
  });

  it('does not fire on non-finite factors', async () => {
    const proto = convMul([6, 1, 1]);
    proto.graph!.initializer = proto.graph!.initializer!.map((t) => (t.name === 'K' ? tensor('K', ElemType.FLOAT, [6, 1, 1], [1, 2, Infinity, 1, 1, 1]) : t));
    expect((await fuse(proto, [fuseConvMul])).matches).toBe(0);
  });

  it('does not fire on a non-constant factor, or when the Conv output is read elsewhere', async () => {
    expect((await fuse(convMul([6, 1, 1], { mulAsInput: true }), [fuseConvMul])).matches).toBe(0);
    expect((await fuse(convMul([6, 1, 1], { convReadElsewhere: true }), [fuseConvMul])).matches).toBe(0);
  });

  it('does not fire outside the selection', async () => {
    const proto = convMul([6, 1, 1]);
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseConvMul], { scope: idsOf(probe.model, ['conv']) })).matches).toBe(0);
  });
});
