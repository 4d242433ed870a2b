import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { ortFuseConvActivation } from '../../../shared/passes/fusion/ort-conv-activation.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';
const F = ElemType.FLOAT;
const C = 4;

interface Options {
  /** The activation node (its inputs after the first are initializers added here). */
  act?: { op: string; attrs?: Record<string, number>; clip?: [number, number] | 'input' };
  /** Conv → Add(residual) → activation; the residual's shape (default: the Conv output's). */
  residual?: number[];
  bias?: boolean;
  convOutputRead?: boolean;
}

/** x [1, C, 6, 6] → Conv 3×3 pad 1 (→ Add(r)) → activation → y. */
function block(o: Options = {}): IrModel {
  const rand = mulberry32(3);
  const values = (n: number) => Array.from({ length: n }, () => rand() - 0.5);
  const inputs: ValueInfoProto[] = [valueInfo('x', F, [1, C, 6, 6])];
  const inits: TensorProto[] = [tensor('w', F, [C, C, 3, 3], values(C * C * 9))];
  if (o.bias !== false) inits.push(tensor('b', F, [C], values(C)));
  const nodes: NodeProto[] = [node('Conv', ['x', 'w', ...(o.bias !== false ? ['b'] : [])], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' })];
  let pre = 'c';
  if (o.residual) {
    inputs.push(valueInfo('r', F, o.residual));
    nodes.push(node('Add', ['r', 'c'], ['s']));
    pre = 's';
  }
  const act = o.act ?? { op: 'Relu' };
  const actInputs = [pre];
  if (act.clip === 'input') {
    inputs.push(valueInfo('lo', F, []));
    actInputs.push('lo');
  } else if (act.clip) {
    inits.push(tensor('lo', F, [], [act.clip[0]]), tensor('hi', F, [], [act.clip[1]]));
    actInputs.push('lo', 'hi');
  }
  nodes.push(node(act.op, actInputs, ['y'], act.attrs, { name: 'act' }));
  const outs = [valueInfo('y', F, [1, C, 6, 6])];
  if (o.convOutputRead) outs.push(valueInfo('c', F, [1, C, 6, 6]));
  return new IrModel(model(graph({ nodes, inputs, outputs: outs, initializers: inits, valueInfo: [valueInfo('c', F, [1, C, 6, 6])] }), { opset: 17 }));
}

function feedsFor(m: IrModel): Record<string, ort.Tensor> {
  const rand = mulberry32(9);
  return Object.fromEntries(
    m.graph.inputs.map((vi) => {
      const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
      return [vi.name!, new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2), dims)];
    }),
  );
}

async function fuseAndCompare(m: IrModel): Promise<IrModel> {
  const feeds = feedsFor(m);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseConvActivation], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(1);
  expect([...m.graph.nodes].map((n) => `${n.domain}:${n.opType}`)).toEqual(['com.microsoft:FusedConv']);
  // With onnxruntime's own optimizer on too: the fused node must survive its passes (NCHWc included).
  for (const level of ['disabled', 'all'] as const) expectClose((await outputs(m, feeds, level)).y!, before.y!);
  return m;
}

const fusedOf = (m: IrModel) => [...m.graph.nodes][0]!;
const attrText = (m: IrModel) => Object.fromEntries(fusedOf(m).attributes.map((a) => [a.name, a.s ? new TextDecoder().decode(a.s) : (a.floats ?? a.ints)]));

async function expectUnchanged(m: IrModel): Promise<void> {
  const r = await runPasses(m, [ortFuseConvActivation], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
}

describe('ort-fuse-conv-activation', () => {
  it('fuses Conv → Relu, keeping the Conv attributes and name', async () => {
    const m = await fuseAndCompare(block());
    expect(fusedOf(m).inputs).toEqual(['x', 'w', 'b']);
    expect(fusedOf(m).name).toBe('conv');
    expect(attrText(m)).toMatchObject({ activation: 'Relu', kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  });

  it('fuses the activations with parameters: LeakyRelu, HardSigmoid, Clip with constant bounds', async () => {
    expect(attrText(await fuseAndCompare(block({ act: { op: 'LeakyRelu', attrs: { alpha: 0.2 } } })))).toMatchObject({ activation: 'LeakyRelu' });
    const hard = await fuseAndCompare(block({ act: { op: 'HardSigmoid', attrs: { alpha: 0.3, beta: 0.4 } } }));
    expect(Array.from(attrText(hard).activation_params as number[]).map((v) => Math.round(v * 100) / 100)).toEqual([0.3, 0.4]);
    expect(attrText(await fuseAndCompare(block({ act: { op: 'Clip', clip: [0, 6] } }))).activation_params).toEqual([0, 6]);
    await fuseAndCompare(block({ act: { op: 'Sigmoid' }, bias: false }));
    await fuseAndCompare(block({ act: { op: 'Tanh' } }));
  });

  it('fuses Conv → Add(residual of the same shape) → Relu, with the residual as the fourth input', async () => {
    const m = await fuseAndCompare(block({ residual: [1, C, 6, 6] }));
    expect(fusedOf(m).inputs).toEqual(['x', 'w', 'b', 'r']);
    const noBias = await fuseAndCompare(block({ residual: [1, C, 6, 6], bias: false }));
    expect(fusedOf(noBias).inputs).toEqual(['x', 'w', '', 'r']);
  });

  it('leaves a residual that broadcasts, a Clip bound that is an input, and a Conv output read elsewhere', async () => {
    const broadcast = block({ residual: [1, C, 1, 1] });
    await runPasses(broadcast, [ortFuseConvActivation], { target: 'onnxruntime' });
    // The Add stays; Conv alone cannot take the activation past it.
    expect([...broadcast.graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'Add', 'Relu']);
    await expectUnchanged(block({ act: { op: 'Clip', clip: 'input' } }));
    await expectUnchanged(block({ convOutputRead: true }));
  });

  it('is skipped for the portable target', async () => {
    const r = await runPasses(block(), [ortFuseConvActivation], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
