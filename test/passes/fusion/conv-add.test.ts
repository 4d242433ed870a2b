import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseConvAdd } from '../../../shared/passes/fusion/conv-add.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

// Conv [1, 3, 6, 5] → [1, 4, 6, 5] (3×3, pads 1), then Add of a constant of shape `addShape`.
function convAdd(addShape: number[], o: { bias?: boolean; swap?: boolean; addAsInput?: boolean; convAlsoOutput?: boolean } = {}): ModelProto {
  const initializers = [randomTensor('W', [4, 3, 3, 3], 1)];
  if (o.bias !== false) initializers.push(randomTensor('B', [4], 2));
  if (!o.addAsInput) initializers.push(randomTensor('K', addShape, 3, -2, 2));
  const inputs = [valueInfo('x', ElemType.FLOAT, [1, 3, 6, 5])];
  if (o.addAsInput) inputs.push(valueInfo('K', ElemType.FLOAT, addShape));
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  if (o.convAlsoOutput) outputs.push(valueInfo('c', ElemType.FLOAT, [1, 4, 6, 5]));
  const conv = node('Conv', ['x', 'W', ...(o.bias !== false ? ['B'] : [])], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' });
  const add = node('Add', o.swap ? ['K', 'c'] : ['c', 'K'], ['y'], {}, { name: 'add' });
  return model(graph({ nodes: [conv, add], inputs, outputs, initializers }), { opset: 13 });
}

describe('fuse-conv-add', () => {
  it('folds per-channel and scalar constants into the bias; outputs match', async () => {
    for (const shape of [[4, 1, 1], [1, 4, 1, 1], [], [1], [1, 1, 1, 1], [1, 1]]) {
      for (const o of [{}, { bias: false }, { swap: true }]) {
        const proto = convAdd(shape, o);
        const { ops, model: m, matches } = await fuse(proto, [fuseConvAdd]);
        expect(matches, `shape [${shape}] ${JSON.stringify(o)}`).toBe(1);
        expect(ops).toEqual(['Conv']);
        const conv = [...m.graph.nodes][0]!;
        expect(conv.inputs).toHaveLength(3);
        expect(conv.inputs[1]).toBe('W'); // weights untouched
        await expectSameOutputs(proto, m);
      }
    }
  });

  it('does not fire on constants that vary along another axis or add dims', async () => {
    // [1,1,1,5] varies along W, [6,1] along H, [2,4,1,1] along a batch dim it would grow;
    // [1,1,4,1,1] adds a fifth dim; [5] aligns with W, not with the channels.
    for (const shape of [[1, 1, 1, 5], [6, 1], [2, 4, 1, 1], [1, 1, 4, 1, 1], [5]]) {
      expect((await fuse(convAdd(shape), [fuseConvAdd])).matches, `shape [${shape}]`).toBe(0);
    }
  });

  it('does not fire on a non-constant addend, or when the Conv output is read elsewhere', async () => {
    expect((await fuse(convAdd([4, 1, 1], { addAsInput: true }), [fuseConvAdd])).matches).toBe(0);
    expect((await fuse(convAdd([4, 1, 1], { convAlsoOutput: true }), [fuseConvAdd])).matches).toBe(0);
  });

  it('does not fire outside the selection', async () => {
    const proto = convAdd([4, 1, 1]);
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseConvAdd], { scope: idsOf(probe.model, ['add']) })).matches).toBe(0);
    expect((await fuse(proto, [fuseConvAdd], { scope: idsOf(probe.model, ['add', 'conv']) })).matches).toBe(1);
  });
});
