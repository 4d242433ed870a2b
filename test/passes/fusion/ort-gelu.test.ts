import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ortFuseGelu } from '../../../shared/passes/fusion/ort-gelu.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';
const SHAPE = [2, 8, 16];

interface Options {
  form: 'erf' | 'tanh';
  /** How the three factors x, ½ and (1 + …) are associated, or the ½ written as a final Div by 2. */
  product?: 'x(1+f)·½' | '(x·½)(1+f)' | 'x·(½(1+f))' | 'x(1+f)/2';
  /** erf form: x / √2 or x · 1/√2. */
  erfArg?: 'div' | 'mul' | 'dividend';
  /** tanh form: x³ as Pow(x, 3) or x·x·x. */
  cube?: 'pow' | 'mul';
  half?: number | 'input';
  opset?: number;
  elemType?: number;
  erfAsOutput?: boolean;
}

function gelu(o: Options): IrModel {
  const t = o.elemType ?? ElemType.FLOAT;
  const inits: TensorProto[] = [];
  const inputs: ValueInfoProto[] = [valueInfo('x', t, SHAPE)];
  const c = (name: string, v: number) => (inits.push(scalar(name, t, v)), name);
  const nodes: NodeProto[] = [];
  let f: string;
  if (o.form === 'erf') {
    const arg = o.erfArg ?? 'div';
    if (arg === 'mul') nodes.push(node('Mul', [c('k', Math.SQRT1_2), 'x'], ['arg']));
    else nodes.push(node('Div', arg === 'div' ? ['x', c('k', Math.SQRT2)] : [c('k', Math.SQRT2), 'x'], ['arg']));
    nodes.push(node('Erf', ['arg'], ['f']));
    f = 'f';
  } else {
    if ((o.cube ?? 'pow') === 'pow') nodes.push(node('Pow', ['x', c('three', 3)], ['cube']));
    else nodes.push(node('Mul', ['x', 'x'], ['sq']), node('Mul', ['sq', 'x'], ['cube']));
    nodes.push(
      node('Mul', [c('c', 0.044715), 'cube'], ['cube_scaled']),
      node('Add', ['x', 'cube_scaled'], ['poly']),
      node('Mul', [c('k', Math.sqrt(2 / Math.PI)), 'poly'], ['tanh_arg']),
      node('Tanh', ['tanh_arg'], ['f']),
    );
    f = 'f';
  }
  nodes.push(node('Add', [f, c('one', 1)], ['one_plus']));
  let half = 'half';
  if (o.half === 'input') inputs.push(valueInfo('half', t, []));
  else half = c('half', o.half ?? 0.5);
  switch (o.product ?? 'x(1+f)·½') {
    case 'x(1+f)·½':
      nodes.push(node('Mul', ['x', 'one_plus'], ['p']), node('Mul', ['p', half], ['y'], {}, { name: 'gelu_out' }));
      break;
    case '(x·½)(1+f)':
      nodes.push(node('Mul', [half, 'x'], ['p']), node('Mul', ['p', 'one_plus'], ['y']));
      break;
    case 'x·(½(1+f))':
      nodes.push(node('Mul', ['one_plus', half], ['p']), node('Mul', ['x', 'p'], ['y']));
      break;
    case 'x(1+f)/2':
      nodes.push(node('Mul', ['one_plus', 'x'], ['p']), node('Div', ['p', c('two', 2)], ['y']));
      break;
  }
  const outputs = [valueInfo('y', t, SHAPE)];
  if (o.erfAsOutput) outputs.push(valueInfo('f', t, SHAPE));
  return new IrModel(model(graph({ nodes, inputs, outputs, initializers: inits }), { opset: o.opset ?? 17 }));
}

function feedsFor(seed: number): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  const n = SHAPE.reduce((a, b) => a * b);
  return { x: new ort.Tensor('float32', Float32Array.from({ length: n }, () => rand() * 8 - 4), SHAPE) };
}



const ops = (m: IrModel) => [...m.graph.nodes].map((n) => n.opType);

async function fuseAndCompare(m: IrModel, op: 'Gelu' | 'FastGelu'): Promise<void> {
  const feeds = feedsFor(9);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseGelu], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(1);
  expect(ops(m)).toEqual([op]);
  const fused = [...m.graph.nodes][0]!;
  expect(fused.domain).toBe('com.microsoft');
  expect(fused.inputs).toEqual(['x']);
  expect(fused.outputs).toEqual(['y']);
  expect(m.opsetVersion('com.microsoft')).toBe(1);
  // With onnxruntime's own optimizer on as well: the fused nodes must survive its passes.
  for (const level of ['disabled', 'all'] as const) expectClose((await outputs(m, feeds, level)).y!, before.y!);
}

async function expectUnchanged(m: IrModel): Promise<void> {
  const bytes = concatSegments(encodeModel(m.toProto()));
  const r = await runPasses(m, [ortFuseGelu], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
  expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(bytes))).toBe(0);
}

describe('ort-fuse-gelu', () => {
  it('fuses torch’s erf form x·(1+Erf(x/√2))·½ into com.microsoft Gelu', async () => {
    const m = gelu({ form: 'erf' });
    await fuseAndCompare(m, 'Gelu');
    expect([...m.graph.nodes][0]!.name).toBe('gelu_out');
  });

  for (const product of ['(x·½)(1+f)', 'x·(½(1+f))', 'x(1+f)/2'] as const) {
    it(`fuses the erf form written as ${product} with x·(1/√2)`, async () => {
      await fuseAndCompare(gelu({ form: 'erf', product, erfArg: 'mul' }), 'Gelu');
    });
  }

  it('fuses the tanh form with Pow(x, 3) into FastGelu', async () => {
    await fuseAndCompare(gelu({ form: 'tanh' }), 'FastGelu');
  });

  it('fuses the tanh form with x·x·x, associated differently', async () => {
    await fuseAndCompare(gelu({ form: 'tanh', cube: 'mul', product: '(x·½)(1+f)' }), 'FastGelu');
  });

  it('accepts constants within 1e-4 and refuses others', async () => {
    await fuseAndCompare(gelu({ form: 'erf', half: 0.50005 }), 'Gelu');
    await expectUnchanged(gelu({ form: 'erf', half: 0.5005 }));
  });

  it('does not fuse √2 / x (the constant must be the divisor)', async () => {
    await expectUnchanged(gelu({ form: 'erf', erfArg: 'dividend' }));
  });

  it('does not fuse when an intermediate is read elsewhere', async () => {
    await expectUnchanged(gelu({ form: 'erf', erfAsOutput: true }));
  });

  it('does not fuse a non-constant factor or double precision (no CPU kernel)', async () => {
    await expectUnchanged(gelu({ form: 'erf', half: 'input' }));
    await expectUnchanged(gelu({ form: 'erf', elemType: ElemType.DOUBLE }));
  });

  it('leaves opset ≥ 20 models to the ONNX Gelu', async () => {
    await expectUnchanged(gelu({ form: 'erf', opset: 20 }));
  });

  it('is skipped for the portable target', async () => {
    const r = await runPasses(gelu({ form: 'tanh' }), [ortFuseGelu], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
