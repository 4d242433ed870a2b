import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { fuseConvBatchNorm } from '../../../shared/passes/fusion/conv-batchnorm.js';
import { bnParams, expectSameOutputs, fuse, idsOf, initializerValues, randomTensor, tensorNumbers } from './fusion-harness.js';

interface Options {
  group?: number;
  bias?: boolean;
  elemType?: number;
  bnAttrs?: Record<string, ReturnType<typeof attrFloat> | number>;
  bnOutputs?: string[];
  convAlsoOutput?: boolean;
  convReadElsewhere?: boolean;
  /** W as a graph input: with no initializer ('input'), or with one as its default ('default'). */
  weightAsInput?: 'input' | 'default';
  params?: TensorProto[];
  opset?: number;
}

// Conv 4→6 channels (3×3, pads 1) on [2, 4, 5, 5], then BatchNormalization: what PyTorch exports
// for Conv2d + BatchNorm2d in eval mode.
function convBn(o: Options = {}): ModelProto {
  const t = o.elemType ?? ElemType.FLOAT;
  const group = o.group ?? 1;
  const initializers = [...(o.weightAsInput === 'input' ? [] : [randomTensor('W', [6, 4 / group, 3, 3], 1, -1, 1, t)]), ...(o.params ?? bnParams('bn', 6, 10, t))];
  if (o.bias !== false) initializers.push(randomTensor('B', [6], 2, -1, 1, t));
  const outputs = [valueInfo('y', t, [2, 6, 5, 5])];
  if (o.convAlsoOutput) outputs.push(valueInfo('c', t, [2, 6, 5, 5]));
  const nodes = [
    node('Conv', ['x', 'W', ...(o.bias !== false ? ['B'] : [])], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group }, { name: 'conv' }),
    node('BatchNormalization', ['c', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], o.bnOutputs ?? ['y'], o.bnAttrs ?? { epsilon: attrFloat(1e-3) }, { name: 'bn' }),
  ];
  if (o.convReadElsewhere) {
    nodes.push(node('Relu', ['c'], ['r']));
    outputs.push(valueInfo('r', t, [2, 6, 5, 5]));
  }
  const inputs = [valueInfo('x', t, [2, 4, 5, 5])];
  if (o.weightAsInput) inputs.push(valueInfo('W', t, [6, 4 / group, 3, 3]));
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: o.opset ?? 15 });
}

describe('fuse-conv-batchnorm', () => {
  it('folds BatchNormalization into Conv weights and bias; outputs match', async () => {
    const proto = convBn();
    const { ops, model: m, matches } = await fuse(proto, [fuseConvBatchNorm]);
    expect(matches).toBe(1);
    expect(ops).toEqual(['Conv']);
    const conv = [...m.graph.nodes][0]!;
    expect(conv.outputs).toEqual(['y']);
    expect(conv.name).toBe('conv');
    await expectSameOutputs(proto, m);
  });

  it('creates the bias of a Conv without one, and handles groups', async () => {
    for (const o of [{ bias: false }, { group: 2 }, { group: 2, bias: false }]) {
      const proto = convBn(o);
      const { ops, model: m } = await fuse(proto, [fuseConvBatchNorm]);
      expect(ops).toEqual(['Conv']);
      expect([...m.graph.nodes][0]!.inputs).toHaveLength(3);
      await expectSameOutputs(proto, m);
    }
  });

  it('uses the epsilon attribute, and its default 1e-5 when absent', async () => {
    // Small variances make ε matter: a wrong ε would be far outside the tolerance.
    const small = bnParams('bn', 6, 20).map((t) => (t.name === 'bn_var' ? tensor('bn_var', ElemType.FLOAT, [6], [1e-4, 2e-4, 5e-4, 1e-3, 1e-4, 3e-4]) : t));
    for (const bnAttrs of [{ epsilon: attrFloat(1e-3) }, {}] as Options['bnAttrs'][]) {
      const proto = convBn({ params: small, bnAttrs });
      const { ops, model: m } = await fuse(proto, [fuseConvBatchNorm]);
      expect(ops).toEqual(['Conv']);
      await expectSameOutputs(proto, m);
    }
  });

  it('folds double-precision models in double precision', async () => {
    // onnxruntime's CPU provider has no double Conv, so the folded values are checked directly.
    const proto = convBn({ elemType: ElemType.DOUBLE, bnAttrs: { epsilon: attrFloat(0.25) } });
    const { ops, model: m } = await fuse(proto, [fuseConvBatchNorm]);
    expect(ops).toEqual(['Conv']);
    const [, w, b] = [...m.graph.nodes][0]!.inputs;
    const value = (name: string) => tensorNumbers(proto.graph!.initializer!.find((t) => t.name === name)!);
    const [gamma, beta, mean, variance, W, B] = ['bn_scale', 'bn_bias', 'bn_mean', 'bn_var', 'W', 'B'].map(value) as number[][];
    const s = gamma!.map((g, c) => g / Math.sqrt(variance![c]! + 0.25));
    const wantW = W!.map((v, i) => v * s[Math.floor(i / 36)]!);
    const wantB = B!.map((v, c) => (v - mean![c]!) * s[c]! + beta![c]!);
    initializerValues(m, w!).forEach((v, i) => expect(v).toBeCloseTo(wantW[i]!, 12));
    initializerValues(m, b!).forEach((v, i) => expect(v).toBeCloseTo(wantB[i]!, 12));
    expect(m.graph.initializers.get(w!)!.dataType).toBe(ElemType.DOUBLE);
  });

  it('does not fire when the Conv output is also a graph output or read elsewhere', async () => {
    expect((await fuse(convBn({ convAlsoOutput: true }), [fuseConvBatchNorm])).matches).toBe(0);
    expect((await fuse(convBn({ convReadElsewhere: true }), [fuseConvBatchNorm])).matches).toBe(0);
  });

  it('does not fire on weights that can vary (a graph input, or an initializer that is also an input)', async () => {
    const asInput = convBn({ weightAsInput: 'input' });
    expect(asInput.graph!.initializer!.some((t) => t.name === 'W')).toBe(false);
    expect((await fuse(asInput, [fuseConvBatchNorm])).matches).toBe(0);
    // An initializer that is also a graph input is a default: callers may override it.
    const withDefault = convBn({ weightAsInput: 'default' });
    expect(withDefault.graph!.initializer!.some((t) => t.name === 'W')).toBe(true);
    expect((await fuse(withDefault, [fuseConvBatchNorm])).matches).toBe(0);
  });

  it('does not fire on training-mode BatchNormalization', async () => {
    const training = convBn({ bnAttrs: { training_mode: 1 }, bnOutputs: ['y', 'running_mean', 'running_var'] });
    expect((await fuse(training, [fuseConvBatchNorm])).matches).toBe(0);
    // training_mode=1 alone (no extra outputs) still normalizes with batch statistics.
    expect((await fuse(convBn({ bnAttrs: { training_mode: 1 } }), [fuseConvBatchNorm])).matches).toBe(0);
    // Opset 9: the extra outputs are what marks training.
    const opset9 = convBn({ opset: 9, bnOutputs: ['y', 'm', 'v', 'sm', 'sv'] });
    expect((await fuse(opset9, [fuseConvBatchNorm])).matches).toBe(0);
    // Opset 6: is_test=0 is training; is_test=1 folds.
    expect((await fuse(convBn({ opset: 6, bnAttrs: { is_test: 0 } }), [fuseConvBatchNorm])).matches).toBe(0);
    expect((await fuse(convBn({ opset: 6, bnAttrs: { is_test: 1 } }), [fuseConvBatchNorm])).matches).toBe(1);
    // spatial=0 (opset 7-8): statistics per activation, not per channel.
    expect((await fuse(convBn({ opset: 8, bnAttrs: { spatial: 0 } }), [fuseConvBatchNorm])).matches).toBe(0);
  });

  it('does not fire when parameters disagree with W: channel count or element type', async () => {
    const wrongCount = bnParams('bn', 6, 10).map((t) => (t.name === 'bn_mean' ? randomTensor('bn_mean', [3], 5) : t));
    expect((await fuse(convBn({ params: wrongCount }), [fuseConvBatchNorm])).matches).toBe(0);
    const doubleParams = bnParams('bn', 6, 10, ElemType.DOUBLE);
    expect((await fuse(convBn({ params: doubleParams }), [fuseConvBatchNorm])).matches).toBe(0);
    const nonPositive = bnParams('bn', 6, 10).map((t) => (t.name === 'bn_var' ? tensor('bn_var', ElemType.FLOAT, [6], [1, 1, -1, 1, 1, 1]) : t));
    expect((await fuse(convBn({ params: nonPositive, bnAttrs: { epsilon: attrFloat(1e-5) } }), [fuseConvBatchNorm])).matches).toBe(0);
  });

  it('fires only when the selection holds both nodes', async () => {
    const proto = convBn();
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseConvBatchNorm], { scope: idsOf(probe.model, ['conv']) })).matches).toBe(0);
    expect((await fuse(proto, [fuseConvBatchNorm], { scope: idsOf(probe.model, ['bn']) })).matches).toBe(0);
    expect((await fuse(proto, [fuseConvBatchNorm], { scope: idsOf(probe.model, ['conv', 'bn']) })).matches).toBe(1);
  });

  it('reads weights and parameters held in Constant nodes', async () => {
    const base = convBn();
    const g = base.graph!;
    const constants = (g.initializer ?? []).map((t) => node('Constant', [], [t.name!], { value: t }));
    const proto = model(graph({ nodes: [...constants, ...g.node!], inputs: g.input!, outputs: g.output! }), { opset: 15 });
    const { ops, model: m } = await fuse(proto, [fuseConvBatchNorm]);
    expect(ops.filter((o) => o !== 'Constant')).toEqual(['Conv']);
    await expectSameOutputs(proto, m);
  });

  it('IR version 3: initializers listed as inputs are constants, and new ones are listed too', async () => {
    // Before IR 4 every initializer had to be a graph input, and runtimes take it as a constant.
    const proto = convBn({ weightAsInput: 'default' });
    const g = proto.graph!;
    g.input = [...g.input!, ...g.initializer!.filter((t) => t.name !== 'W').map((t) => valueInfo(t.name!, ElemType.FLOAT, (t.dims ?? []).map(Number)))];
    proto.irVersion = 3;
    proto.opsetImport = [{ domain: '', version: 8 }];
    const { ops, model: m } = await fuse(proto, [fuseConvBatchNorm]);
    expect(ops).toEqual(['Conv']);
    const inputs = new Set(m.graph.inputs.map((i) => i.name));
    expect([...m.graph.initializers.keys()].filter((n) => !inputs.has(n))).toEqual([]);
    await expectSameOutputs(proto, m);
    // From IR 4 on, the same model's initializers are overridable defaults: nothing to fold.
    expect((await fuse({ ...proto, irVersion: 4 }, [fuseConvBatchNorm])).matches).toBe(0);
  });

  it('undo restores the original model', async () => {
    const proto = convBn();
    const { model: m } = await fuse(proto, [fuseConvBatchNorm]);
    while (m.journal.canUndo) m.journal.undo();
    expect([...m.graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization']);
    await expectSameOutputs(proto, m);
  });
});
