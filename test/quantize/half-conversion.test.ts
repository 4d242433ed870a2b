import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attrGraph, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto, NodeProto } from '../../shared/onnx/proto-types.js';
import { bfloat16ToFloat32, float32ToBfloat16Bits } from '../../shared/onnx/small-floats.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { tensorValues } from '../../shared/verify/tensor-data.js';
import { cancellingModel, mlpModel, randomValues } from './float-models.js';
import { applyTo, bytesOf, compareOutputs, run } from './half-helpers.js';

// float16/bfloat16 conversion (quantize-fp16, quantize-bf16) on builder-made models, checked by
// running the results in onnxruntime CPU against the float32 originals.

const x = new ort.Tensor('float32', randomValues(2 * 64, 9), [2, 64]);
const nodesOf = (p: ModelProto): NodeProto[] => p.graph!.node ?? [];
const ioTypes = (p: ModelProto) => [...p.graph!.input!, ...p.graph!.output!].map((v) => [v.name, v.type?.tensorType?.elemType]);

describe('quantize-fp16', () => {
  it('converts an MLP that then runs in onnxruntime within the fp16 tolerance, with its input and output types kept', async () => {
    const float = mlpModel();
    const { m, effect } = await applyTo(float, 'quantize-fp16');
    const half = m.toProto();
    expect(ioTypes(half)).toEqual(ioTypes(float));
    for (const name of ['W1', 'b1', 'W2', 'b2']) expect(half.graph!.initializer!.find((t) => t.name === name)!.dataType).toBe(ElemType.FLOAT16);
    const [want, got] = [await run(float, { x }), await run(half, { x })];
    for (const out of ['probs', 'cum']) {
      expect(got[out]!.type).toBe('float32');
      const c = compareOutputs(want[out]!, got[out]!, 'fp16');
      expect(c.passed, `${out}: ${c.reason}`).toBe(true);
      expect(c.cosine).toBeGreaterThan(0.999);
      // Not bit-equal: the computation really ran in float16.
      expect(c.maxAbsError).toBeGreaterThan(0);
    }
    expect(effect.tolerance!.tolerance.name).toBe('fp16');
    const size = { before: bytesOf(float).length, after: bytesOf(half).length };
    expect(size.after / size.before).toBeLessThanOrEqual(0.52);
  });

  it('keeps the default block list (CumSum) in float32, behind a Cast back to float32', async () => {
    const { m, effect } = await applyTo(mlpModel(), 'quantize-fp16');
    const p = m.toProto();
    const cum = nodesOf(p).find((n) => n.name === 'cumsum')!;
    const producer = nodesOf(p).find((n) => n.output!.includes(cum.input![0]!))!;
    expect(producer.opType).toBe('Cast');
    expect(Number(producer.attribute![0]!.i)).toBe(ElemType.FLOAT);
    expect(effect.outcome.parts!.find((x) => x.name === 'kept-nodes')!.matches).toBe(1);
    // Without the default list CumSum converts too; only the boundaries need Casts then.
    const all = await applyTo(mlpModel(), 'quantize-fp16', { defaultBlockList: false });
    expect(all.effect.outcome.parts!.find((x) => x.name === 'kept-nodes')!.matches).toBe(0);
    expect(nodesOf(all.m.toProto()).filter((n) => n.opType === 'Cast')).toHaveLength(3); // x in, probs and cum out
  });

  it('leaves named nodes in float32 with Casts around them, and refuses a name the graph lacks', async () => {
    const { m } = await applyTo(mlpModel(), 'quantize-fp16', { blockNodes: ['relu'] });
    const p = m.toProto();
    const relu = nodesOf(p).find((n) => n.name === 'relu')!;
    const before = nodesOf(p).find((n) => n.output!.includes(relu.input![0]!))!;
    const after = nodesOf(p).find((n) => n.input!.includes(relu.output![0]!))!;
    expect([before.opType, Number(before.attribute![0]!.i)]).toEqual(['Cast', ElemType.FLOAT]);
    expect([after.opType, Number(after.attribute![0]!.i)]).toEqual(['Cast', ElemType.FLOAT16]);
    const c = compareOutputs((await run(mlpModel(), { x })).probs!, (await run(p, { x })).probs!, 'fp16');
    expect(c.passed, c.reason).toBe(true);
    await expect(applyTo(mlpModel(), 'quantize-fp16', { blockNodes: ['nope'] })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringContaining('"nope"') });
  });

  it('keeps a node whose weights exceed float16 range in float32, or clamps them to ±65504 when asked, counting them', async () => {
    const kept = await applyTo(mlpModel({ bigWeight: true }), 'quantize-fp16');
    expect(kept.effect.outcome.summary).toMatch(/1 node kept in float32 for weights beyond ±65504/);
    expect(kept.m.graph.initializers.get('W1')!.dataType).toBe(ElemType.FLOAT);
    expect(kept.m.toProto().graph!.node!.find((n) => n.name === 'mm1')!.input).toEqual(['x', 'W1']);
    const { m, effect } = await applyTo(mlpModel({ bigWeight: true }), 'quantize-fp16', { outOfRange: 'clamp' });
    expect(effect.outcome.parts!.find((x) => x.name === 'clamped-values')!.matches).toBe(1);
    expect(effect.outcome.summary).toMatch(/1 weight value clamped to ±65504/);
    const w1 = tensorValues(m.graph.initializers.get('W1')!) as Float32Array;
    expect(w1[5]).toBe(65504);
    expect(Number.isFinite(w1[5])).toBe(true);
  });

  it('removes Casts made redundant: an identity Cast and a widening pair', async () => {
    // x16 (float16 input) → Cast to float 'up' → Mul by W → y; 'up' becomes a float16→float16
    // Cast when converted (removed), or, blocked, pairs with the Cast to float16 that Mul needs.
    const proto = model(
      graph({
        inputs: [valueInfo('x16', ElemType.FLOAT16, [4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [4])],
        initializers: [tensor('W', ElemType.FLOAT, [4], [1, 2, 3, 4])],
        nodes: [node('Cast', ['x16'], ['xf'], { to: ElemType.FLOAT }, { name: 'up' }), node('Mul', ['xf', 'W'], ['y'], {}, { name: 'mul' })],
      }),
    );
    const feeds = { x16: new ort.Tensor('float16', new Uint16Array([0x3c00, 0x4000, 0x3800, 0xbc00]), [4]) };
    const want = (await run(proto, feeds)).y!;
    for (const blockNodes of [[], ['up']]) {
      const { m, effect } = await applyTo(proto, 'quantize-fp16', { blockNodes });
      const p = m.toProto();
      expect(effect.outcome.parts!.find((x) => x.name === 'casts-removed')!.matches).toBe(blockNodes.length ? 2 : 1);
      // Mul reads the float16 input directly; the one Cast left brings y back to float32.
      expect(nodesOf(p).find((n) => n.opType === 'Mul')!.input![0]).toBe('x16');
      expect(nodesOf(p).filter((n) => n.opType === 'Cast')).toHaveLength(1);
      expect(Array.from((await run(p, feeds)).y!.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
    }
  });

  it('keeps Resize scales and shape arithmetic in float32', async () => {
    // y = Resize(x, scales) reshaped to a shape computed in float (Shape → Cast → Div → Cast).
    const proto = model(
      graph({
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 64])],
        initializers: [
          tensor('roi', ElemType.FLOAT, [0], []),
          tensor('scales', ElemType.FLOAT, [4], [1, 1, 2, 2]),
          tensor('div', ElemType.FLOAT, [4], [1, 1, 1 / 8, 1 / 4]),
          tensor('idx', ElemType.INT64, [3], [0, 1, 2]),
        ],
        nodes: [
          node('Resize', ['x', 'roi', 'scales'], ['r'], { mode: 'linear' }, { name: 'resize' }),
          node('Shape', ['r'], ['s']),
          node('Cast', ['s'], ['sf'], { to: ElemType.FLOAT }, { name: 'to_float' }),
          node('Div', ['sf', 'div'], ['sd'], {}, { name: 'div_shape' }),
          node('Cast', ['sd'], ['si'], { to: ElemType.INT64 }),
          node('Gather', ['si', 'idx'], ['shape']),
          node('Reshape', ['r', 'shape'], ['y'], {}, { name: 'reshape' }),
        ],
      }),
    );
    const { m } = await applyTo(proto, 'quantize-fp16');
    const p = m.toProto();
    const inits = Object.fromEntries(p.graph!.initializer!.map((t) => [t.name, t.dataType]));
    expect(inits).toMatchObject({ roi: ElemType.FLOAT, scales: ElemType.FLOAT, div: ElemType.FLOAT });
    expect(nodesOf(p).find((n) => n.name === 'div_shape')!.input).toEqual(['sf', 'div']);
    expect(Number(nodesOf(p).find((n) => n.name === 'to_float')!.attribute![0]!.i)).toBe(ElemType.FLOAT);
    const resize = nodesOf(p).find((n) => n.name === 'resize')!;
    expect(resize.input!.slice(1)).toEqual(['roi', 'scales']);
    expect(resize.input![0]).toBe('x_fp16');
    const xs = { x: new ort.Tensor('float32', randomValues(32, 5), [1, 2, 4, 4]) };
    const c = compareOutputs((await run(proto, xs)).y!, (await run(p, xs)).y!, 'fp16');
    expect(c.passed, c.reason).toBe(true);
  });

  it('converts inside If branches too, their outputs kept float32 as the If declares them', async () => {
    const branch = (op: string) => graph({ name: op, outputs: [valueInfo(`o_${op}`, ElemType.FLOAT, [2, 128])], nodes: [node(op, ['logits'], [`o_${op}`])] });
    const base = mlpModel();
    const g = base.graph!;
    const proto: ModelProto = {
      ...base,
      graph: {
        ...g,
        inputs: undefined,
        input: [...g.input!, valueInfo('flag', ElemType.BOOL, [])],
        output: [valueInfo('z', ElemType.FLOAT, [2, 128])],
        node: [...g.node!.filter((n) => n.name !== 'softmax' && n.name !== 'cumsum'), node('If', ['flag'], ['z'], { then_branch: attrGraph(branch('Relu')), else_branch: attrGraph(branch('Neg')) })],
      },
    };
    const { m, effect } = await applyTo(proto, 'quantize-fp16');
    const p = m.toProto();
    const ifNode = p.graph!.node!.find((n) => n.opType === 'If')!;
    for (const branch of ifNode.attribute!.map((a) => a.g!)) {
      // Cast in, the op, Cast out: the branch computes in float16 and returns float32.
      expect(branch.node!.map((n) => [n.opType, n.opType === 'Cast' ? Number(n.attribute![0]!.i) : null])).toEqual([
        ['Cast', ElemType.FLOAT16],
        [branch.name, null],
        ['Cast', ElemType.FLOAT],
      ]);
    }
    expect(effect.outcome.matches).toBe(7); // 5 outer nodes (mm1, add1, relu, mm2, add2) and one per branch
    for (const flag of [true, false]) {
      const feeds = { x, flag: new ort.Tensor('bool', [flag], []) };
      const c = compareOutputs((await run(proto, feeds)).z!, (await run(p, feeds)).z!, 'fp16');
      expect(c.passed, c.reason).toBe(true);
    }
  });

  it('converts a Loop body, its carried value kept float32 across iterations', async () => {
    const body = graph({
      name: 'body',
      inputs: [valueInfo('i', ElemType.INT64, []), valueInfo('cond', ElemType.BOOL, []), valueInfo('v', ElemType.FLOAT, [4])],
      outputs: [valueInfo('cond_out', ElemType.BOOL, []), valueInfo('v_out', ElemType.FLOAT, [4])],
      nodes: [node('Identity', ['cond'], ['cond_out']), node('Mul', ['v', 'w'], ['vw'], {}, { name: 'mul' }), node('Add', ['vw', 'v'], ['v_out'], {}, { name: 'add' })],
    });
    const proto = model(
      graph({
        inputs: [valueInfo('v0', ElemType.FLOAT, [4])],
        outputs: [valueInfo('vn', ElemType.FLOAT, [4])],
        initializers: [tensor('n', ElemType.INT64, [], [3]), tensor('yes', ElemType.BOOL, [], [1]), tensor('w', ElemType.FLOAT, [4], [0.5, -0.25, 0.1, 1.5])],
        nodes: [node('Loop', ['n', 'yes', 'v0'], ['vn'], { body: attrGraph(body) })],
      }),
    );
    const { m, effect } = await applyTo(proto, 'quantize-fp16');
    expect(effect.outcome.matches).toBe(2);
    const loopBody = m.toProto().graph!.node![0]!.attribute![0]!.g!;
    expect(loopBody.node!.filter((n) => n.opType === 'Cast').map((n) => Number(n.attribute![0]!.i))).toEqual([ElemType.FLOAT16, ElemType.FLOAT16, ElemType.FLOAT]);
    const feeds = { v0: new ort.Tensor('float32', Float32Array.from([1, 2, -3, 0.5]), [4]) };
    const c = compareOutputs((await run(proto, feeds)).vn!, (await run(m.toProto(), feeds)).vn!, 'fp16');
    expect(c.passed, c.reason).toBe(true);
  });

  it('says the result is meant for a GPU provider unless told it will run on one; a model with nothing to convert is refused', async () => {
    expect((await applyTo(mlpModel(), 'quantize-fp16')).effect.outcome.summary).toMatch(/meant for a GPU provider/);
    expect((await applyTo(mlpModel(), 'quantize-fp16', { provider: 'gpu' })).effect.outcome.summary).not.toMatch(/GPU/);
    const ints = model(graph({ inputs: [valueInfo('a', ElemType.INT64, [2])], outputs: [valueInfo('b', ElemType.INT64, [2])], nodes: [node('Neg', ['a'], ['b'])] }));
    await expect(applyTo(ints, 'quantize-fp16')).rejects.toMatchObject({ code: 'NOT_APPLICABLE' });
    const op = defaultOperations().get('quantize-fp16');
    expect([op.group, op.tolerance]).toEqual(['quantization', 'fp16']);
  });
});

describe('quantize-bf16', () => {
  it('stores weights as correctly rounded bfloat16 and keeps input and output types', async () => {
    const float = mlpModel();
    const { m, effect } = await applyTo(float, 'quantize-bf16');
    const p = m.toProto();
    expect(ioTypes(p)).toEqual(ioTypes(float));
    const w1 = float.graph!.initializer!.find((t) => t.name === 'W1')!;
    const got = p.graph!.initializer!.find((t) => t.name === 'W1')!;
    expect(got.dataType).toBe(ElemType.BFLOAT16);
    const before = tensorValues(w1) as Float32Array;
    const after = tensorValues(got) as Float32Array;
    for (const i of [0, 1, 100, 16383]) expect(after[i]).toBe(bfloat16ToFloat32(float32ToBfloat16Bits(before[i]!)));
    expect(effect.tolerance!.tolerance.name).toBe('bf16');
    expect(effect.outcome.summary).toMatch(/no bfloat16 kernels/);
    expect(bytesOf(p).length / bytesOf(float).length).toBeLessThanOrEqual(0.52);
  });

  it('its rounded weights keep the float32 model within the bf16 tolerance (onnxruntime CPU has no bfloat16 Relu to run it whole)', async () => {
    const float = mlpModel();
    const { m } = await applyTo(float, 'quantize-bf16');
    await expect(run(m.toProto(), { x })).rejects.toThrow(/implementation/);
    // The float32 model with every weight replaced by its bfloat16 value: the error weights alone add.
    const rounded: ModelProto = {
      ...float,
      graph: {
        ...float.graph!,
        initializer: float.graph!.initializer!.map((t) => {
          const half = m.graph.initializers.get(t.name!)!;
          return half.dataType === ElemType.BFLOAT16 ? tensor(t.name!, ElemType.FLOAT, t.dims!, tensorValues(half) as Float32Array) : t;
        }),
      },
    };
    const c = compareOutputs((await run(float, { x })).probs!, (await run(rounded, { x })).probs!, 'bf16');
    expect(c.passed, c.reason).toBe(true);
    expect(c.maxAbsError).toBeGreaterThan(0);
  });
});

describe('mixed precision', () => {
  const cancelling = cancellingModel();
  const feeds = { x: new ort.Tensor('float32', randomValues(64, 21), [64]) };
  const runModel = async (p: ModelProto) => {
    const out = await run(p, feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { elemType: ElemType.FLOAT, dims: t.dims, values: t.data as Float32Array }]));
  };

  it('keeps in float32 the nodes, found by bisection, without which outputs leave the tolerance', async () => {
    const plain = await applyTo(cancelling, 'quantize-fp16');
    const want = (await run(cancelling, feeds)).y!;
    expect(compareOutputs(want, (await run(plain.m.toProto(), feeds)).y!, 'fp16').passed).toBe(false);
    const m = new IrModel(cancelling);
    const effect = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-fp16', { mixedPrecision: true }), { runModel }, 'amp');
    expect(effect.outcome.summary).toMatch(/mixed precision: 2 nodes kept in float32 \("add" \(Add\), "sub" \(Sub\)\) after \d+ runs, within fp16/);
    const p = m.toProto();
    const c = compareOutputs(want, (await run(p, feeds)).y!, 'fp16');
    expect(c.passed, c.reason).toBe(true);
    const inputs = (name: string) => p.graph!.node!.find((n) => n.name === name)!.input!;
    expect(inputs('mul')[0]).toMatch(/_fp16$/); // Mul reads a float16 copy of s
    expect(p.graph!.initializer!.filter((t) => t.dataType === ElemType.FLOAT).map((t) => t.name).sort()).toEqual(['c1', 'c2']);
  });

  it('is refused where the host lends no model runner', async () => {
    await expect(applyTo(cancelling, 'quantize-fp16', { mixedPrecision: true })).rejects.toMatchObject({ code: 'NEEDS_RUNTIME' });
  });
});
