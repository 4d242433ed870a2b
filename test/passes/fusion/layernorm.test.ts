import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo, type AttrValue } from '../../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { fuseLayerNorm } from '../../../shared/passes/fusion/layernorm.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

interface Options {
  opset?: number;
  square?: 'pow' | 'mul';
  divide?: 'div' | 'reciprocal';
  affine?: 0 | 1 | 2;
  axes?: number[];
  varAxes?: number[];
  gammaShape?: number[];
  epsAfterSqrt?: boolean;
  keepdims?: number;
  subFrom?: string;
  xShape?: number[] | null;
  subAlsoOutput?: boolean;
  elemType?: number;
  eps?: number;
}

// What torch.onnx (opset 17/18) writes for a hand-written LayerNorm: x [2, 3, 8] normalized over
// its last axis, ε = 1e-5, γ and β of shape [8].
function layerNorm(o: Options = {}): ModelProto {
  const opset = o.opset ?? 17;
  const t = o.elemType ?? ElemType.FLOAT;
  const axes = o.axes ?? [-1];
  const initializers: TensorProto[] = [tensor('eps', t, [], [o.eps ?? 1e-5]), tensor('two', t, [], [2])];
  const reduce = (input: string, output: string, name: string, ax: number[]): NodeProto => {
    const keep: Record<string, AttrValue> = o.keepdims !== undefined ? { keepdims: o.keepdims } : {};
    if (opset < 18) return node('ReduceMean', [input], [output], { axes: ax, ...keep }, { name });
    initializers.push(tensor(`${name}_axes`, ElemType.INT64, [ax.length], ax));
    return node('ReduceMean', [input, `${name}_axes`], [output], keep, { name });
  };
  const nodes: NodeProto[] = [
    reduce('x', 'mean', 'mean', axes),
    node('Sub', [o.subFrom ?? 'x', 'mean'], ['d'], {}, { name: 'sub' }),
    o.square === 'mul' ? node('Mul', ['d', 'd'], ['sq'], {}, { name: 'square' }) : node('Pow', ['d', 'two'], ['sq'], {}, { name: 'square' }),
    reduce('sq', 'var', 'var', o.varAxes ?? axes),
  ];
  if (o.epsAfterSqrt) nodes.push(node('Sqrt', ['var'], ['sd'], {}, { name: 'sqrt' }), node('Add', ['sd', 'eps'], ['std'], {}, { name: 'add_eps' }));
  else nodes.push(node('Add', ['var', 'eps'], ['ve'], {}, { name: 'add_eps' }), node('Sqrt', ['ve'], ['std'], {}, { name: 'sqrt' }));
  const affine = o.affine ?? 2;
  const normOut = affine === 0 ? 'y' : 'n';
  if (o.divide === 'reciprocal') nodes.push(node('Reciprocal', ['std'], ['r'], {}, { name: 'recip' }), node('Mul', ['r', 'd'], [normOut], {}, { name: 'norm' }));
  else nodes.push(node('Div', ['d', 'std'], [normOut], {}, { name: 'norm' }));
  const gammaShape = o.gammaShape ?? [8];
  if (affine >= 1) {
    initializers.push(randomTensor('gamma', gammaShape, 11, 0.5, 2, t));
    nodes.push(node('Mul', ['gamma', 'n'], [affine === 1 ? 'y' : 'g'], {}, { name: 'scale' }));
  }
  if (affine === 2) {
    initializers.push(randomTensor('beta', gammaShape, 12, -1, 1, t));
    nodes.push(node('Add', ['g', 'beta'], ['y'], {}, { name: 'shift' }));
  }
  const xShape = o.xShape === undefined ? [2, 3, 8] : o.xShape;
  const inputs = [valueInfo('x', t, xShape)];
  if (o.subFrom) inputs.push(valueInfo(o.subFrom, t, xShape));
  const outputs = [valueInfo('y', t, null)];
  if (o.subAlsoOutput) outputs.push(valueInfo('d', t, null));
  return model(graph({ nodes, inputs, outputs, initializers }), { opset });
}

async function expectLayerNorm(o: Options, inputs: number): Promise<void> {
  const proto = layerNorm(o);
  const { ops, model: m } = await fuse(proto, [fuseLayerNorm]);
  expect(ops, JSON.stringify(o)).toEqual(['LayerNormalization']);
  const ln = [...m.graph.nodes][0]!;
  expect(ln.inputs).toHaveLength(inputs);
  expect(ln.outputs).toEqual(['y']);
  await expectSameOutputs(proto, m);
}

describe('fuse-layernorm', () => {
  it('fuses every exporter variant (Pow or d·d, Div or ·Reciprocal) with γ and β; outputs match', async () => {
    for (const square of ['pow', 'mul'] as const) {
      for (const divide of ['div', 'reciprocal'] as const) {
        for (const opset of [17, 18]) await expectLayerNorm({ square, divide, opset }, 3);
      }
    }
  });

  it('fuses without β, and without γ and β (γ of ones)', async () => {
    await expectLayerNorm({ affine: 1 }, 2);
    await expectLayerNorm({ affine: 0 }, 2);
    await expectLayerNorm({ affine: 0, divide: 'reciprocal' }, 2);
  });

  it('prefers the whole chain: the bare normalization is not fused on its own first', async () => {
    const { model: m, result } = await fuse(layerNorm(), [fuseLayerNorm]);
    expect(result.passes[0]!.matches).toBe(1);
    expect([...m.graph.nodes][0]!.inputs.slice(1)).toEqual(['gamma', 'beta']);
  });

  it('normalizes over the trailing axes, expanding broadcast γ/β to the normalized shape', async () => {
    await expectLayerNorm({ axes: [1, 2], gammaShape: [3, 8] }, 3);
    await expectLayerNorm({ axes: [-2, -1], gammaShape: [1, 8] }, 3);
    await expectLayerNorm({ gammaShape: [1, 1, 8] }, 3);
    const { model: m } = await fuse(layerNorm({ axes: [1, 2] }), [fuseLayerNorm]);
    expect([...m.graph.nodes][0]!.attribute('axis')!.i).toBe(1);
  });

  it('takes ε from the constant', async () => {
    await expectLayerNorm({ eps: 0.5 }, 3);
    const { model: m } = await fuse(layerNorm({ eps: 0.5 }), [fuseLayerNorm]);
    expect([...m.graph.nodes][0]!.attribute('epsilon')!.f).toBe(0.5);
  });

  it('does not fire when ε is added after the Sqrt', async () => {
    expect((await fuse(layerNorm({ epsAfterSqrt: true }), [fuseLayerNorm])).matches).toBe(0);
  });

  it('normalizes a block of axes before the last (channels-first) between two Transposes, γ/β expanded; outputs match', async () => {
    const cases: Options[] = [
      { axes: [1], gammaShape: [3, 1] },
      { axes: [1], gammaShape: [3, 1, 1], xShape: [2, 3, 5, 4], square: 'mul', divide: 'reciprocal' },
      { axes: [1, 2], gammaShape: [3, 5, 1], xShape: [2, 3, 5, 4] },
      { axes: [0], gammaShape: [2, 1, 1] },
    ];
    for (const o of cases) {
      const proto = layerNorm(o);
      const { ops, model: m } = await fuse(proto, [fuseLayerNorm]);
      expect(ops, JSON.stringify(o)).toEqual(['Transpose', 'LayerNormalization', 'Transpose']);
      const [to, ln, back] = [...m.graph.nodes];
      const rank = (o.xShape ?? [2, 3, 8]).length;
      const perm = to!.attribute('perm')!.ints!.map(Number);
      // The normalized axes move last, in order, and come back.
      expect(perm.slice(rank - o.axes!.length)).toEqual(o.axes);
      expect(back!.attribute('perm')!.ints!.map((v, i) => perm[Number(v)] === i)).not.toContain(false);
      expect(ln!.attribute('axis')!.i).toBe(rank - o.axes!.length);
      expect(back!.outputs).toEqual(['y']);
      await expectSameOutputs(proto, m);
    }
  });

  it('normalizes a channels-first block with symbolic batch and spatial dims', async () => {
    const proto = layerNorm({ axes: [1], gammaShape: [3, 1, 1], xShape: null });
    proto.graph!.input = [valueInfo('x', ElemType.FLOAT, ['batch', 3, 'height', 'width'])];
    const { ops, model: m } = await fuse(proto, [fuseLayerNorm]);
    expect(ops).toEqual(['Transpose', 'LayerNormalization', 'Transpose']);
    await expectSameOutputs(proto, m);
  });

  it('does not fire on axes that are not contiguous, differ between the means, or keepdims=0', async () => {
    expect((await fuse(layerNorm({ axes: [0, 2] }), [fuseLayerNorm])).matches).toBe(0);
    expect((await fuse(layerNorm({ varAxes: [1, 2] }), [fuseLayerNorm])).matches).toBe(0);
    expect((await fuse(layerNorm({ keepdims: 0 }), [fuseLayerNorm])).matches).toBe(0);
  });

  it('does not fire when the Sub reads another tensor than the mean was taken of', async () => {
    expect((await fuse(layerNorm({ subFrom: 'x2' }), [fuseLayerNorm])).matches).toBe(0);
  });

  it('does not take γ that varies over non-normalized axes (fuses the bare normalization only)', async () => {
    // [3, 1] varies along axis 1, which is not normalized: it is not a LayerNormalization scale.
    const proto = layerNorm({ gammaShape: [3, 1] });
    const { ops, model: m } = await fuse(proto, [fuseLayerNorm]);
    expect(ops.sort()).toEqual(['Add', 'LayerNormalization', 'Mul']);
    const ln = [...m.graph.nodes].find((n) => n.opType === 'LayerNormalization')!;
    expect(ln.inputs).toHaveLength(2);
    expect(ln.inputs[1]).not.toBe('gamma');
    await expectSameOutputs(proto, m);
  });

  it('does not fire below opset 17, without x type facts, on an intermediate read elsewhere, or outside the selection', async () => {
    expect((await fuse(layerNorm({ opset: 16 }), [fuseLayerNorm])).matches).toBe(0);
    expect((await fuse(layerNorm({ xShape: null }), [fuseLayerNorm])).matches).toBe(0);
    expect((await fuse(layerNorm({ subAlsoOutput: true }), [fuseLayerNorm])).matches).toBe(0);
    const proto = layerNorm();
    const probe = await fuse(proto, []);
    const all = [...probe.model.graph.nodes].map((n) => n.name);
    expect((await fuse(proto, [fuseLayerNorm], { scope: idsOf(probe.model, all.filter((n) => n !== 'mean')) })).matches).toBe(0);
    expect((await fuse(proto, [fuseLayerNorm], { scope: idsOf(probe.model, all) })).matches).toBe(1);
  });

  it('fuses γ alone when the next Add is not a constant β', async () => {
    const proto = layerNorm({ affine: 1 });
    const g = proto.graph!;
    g.node = g.node!.map((n) => (n.name === 'scale' ? { ...n, output: ['g'] } : n));
    g.node.push(node('Add', ['g', 'x'], ['y'], {}, { name: 'residual' }));
    const { ops, model: m } = await fuse(proto, [fuseLayerNorm]);
    expect(ops.sort()).toEqual(['Add', 'LayerNormalization']);
    await expectSameOutputs(proto, m);
  });

  it('fuses double-precision models, with the statistics in double (stash_type)', async () => {
    await expectLayerNorm({ elemType: ElemType.DOUBLE }, 3);
    const { model: m } = await fuse(layerNorm({ elemType: ElemType.DOUBLE }), [fuseLayerNorm]);
    expect([...m.graph.nodes][0]!.attribute('stash_type')!.i).toBe(ElemType.DOUBLE);
  });
});
