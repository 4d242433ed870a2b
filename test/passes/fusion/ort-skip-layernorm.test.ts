import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ortFuseSkipLayerNorm } from '../../../shared/passes/fusion/ort-skip-layernorm.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';
const H = 32;

interface Options {
  /** Shapes of the two summands (x is the MatMul side, r the residual); default [2, 8, H] both. */
  x?: number[];
  r?: number[];
  /** Residual first in the Add (Add(r, x)). */
  swap?: boolean;
  bias?: 'const' | 'shared' | 'none';
  /** Who else reads the sum: nobody, a later Add (pre-LN residual), or the graph's outputs. */
  sumReaders?: 'none' | 'add' | 'output';
  gamma?: 'const' | 'input' | 'matrix';
  axis?: number;
  meanRead?: boolean;
}

function block(o: Options = {}): IrModel {
  const x = o.x ?? [2, 8, H], r = o.r ?? [2, 8, H];
  const rand = mulberry32(3);
  const w = (name: string, dims: number[], offset = 0) =>
    tensor(name, ElemType.FLOAT, dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => offset + (rand() - 0.5) * 0.5));
  const inputs: ValueInfoProto[] = [valueInfo('h', ElemType.FLOAT, [...x.slice(0, -1), H]), valueInfo('res', ElemType.FLOAT, r)];
  const inits: TensorProto[] = [w('w', [H, H])];
  const info = [valueInfo('mm', ElemType.FLOAT, x), valueInfo('xb', ElemType.FLOAT, x)];
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  const nodes: NodeProto[] = [node('MatMul', ['h', 'w'], ['mm'])];
  let xv = 'mm';
  if ((o.bias ?? 'const') !== 'none') {
    inits.push(w('bias', [H]));
    nodes.push(node('Add', ['mm', 'bias'], ['xb']));
    xv = 'xb';
    if (o.bias === 'shared') outputs.push(valueInfo('xb', ElemType.FLOAT, x));
  }
  nodes.push(node('Add', o.swap ? ['res', xv] : [xv, 'res'], ['sum'], {}, { name: 'residual' }));
  const gamma = o.gamma ?? 'const';
  if (gamma === 'input') inputs.push(valueInfo('gamma', ElemType.FLOAT, [H]));
  else inits.push(w('gamma', gamma === 'matrix' ? [x[x.length - 2]!, H] : [H], 1));
  inits.push(w('beta', gamma === 'matrix' ? [x[x.length - 2]!, H] : [H]));
  const lnOut = o.meanRead ? ['ln', 'mean'] : ['ln'];
  nodes.push(node('LayerNormalization', ['sum', 'gamma', 'beta'], lnOut, { axis: o.axis ?? -1, epsilon: attrFloat(1e-6) }, { name: 'ln_node' }));
  if (o.meanRead) outputs.push(valueInfo('mean', ElemType.FLOAT, null));
  if (o.sumReaders === 'add') nodes.push(node('Add', ['sum', 'ln'], ['y']));
  else nodes.push(node('Relu', ['ln'], ['y']));
  if (o.sumReaders === 'output') outputs.push(valueInfo('sum', ElemType.FLOAT, null));
  return new IrModel(model(graph({ nodes, inputs, outputs, initializers: inits, valueInfo: info })));
}

function feedsFor(m: IrModel, seed: number): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  return Object.fromEntries(
    m.graph.inputs.map((vi) => {
      const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
      const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2);
      return [vi.name!, new ort.Tensor('float32', values, dims)];
    }),
  );
}



const ops = (m: IrModel) => [...m.graph.nodes].map((n) => n.opType);
const fused = (m: IrModel) => [...m.graph.nodes].find((n) => n.opType === 'SkipLayerNormalization')!;

async function fuseAndCompare(m: IrModel): Promise<void> {
  const feeds = feedsFor(m, 5);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseSkipLayerNorm], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(1);
  expect(m.opsetVersion('com.microsoft')).toBe(1);
  // With onnxruntime's own optimizer on as well: the fused nodes must survive its passes.
  for (const level of ['disabled', 'all'] as const) {
    const after = await outputs(m, feeds, level);
    for (const name of Object.keys(before)) expectClose(after[name]!, before[name]!);
  }
}

async function expectUnchanged(m: IrModel): Promise<void> {
  const bytes = concatSegments(encodeModel(m.toProto()));
  const r = await runPasses(m, [ortFuseSkipLayerNorm], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
  expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(bytes))).toBe(0);
}

describe('ort-fuse-skip-layernorm', () => {
  it('fuses BERT’s Add(Add(MatMul, bias), residual) → LayerNormalization, bias included, epsilon kept', async () => {
    const m = block();
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'Relu', 'SkipLayerNormalization']);
    const n = fused(m);
    expect(n.domain).toBe('com.microsoft');
    expect(n.name).toBe('ln_node');
    expect(n.inputs).toEqual(['mm', 'res', 'gamma', 'beta', 'bias']);
    expect(n.outputs).toEqual(['ln']);
    expect(n.attribute('epsilon')?.f).toBeCloseTo(1e-6, 12);
  });

  it('writes the sum as output 3 when a later residual Add reads it (pre-LN)', async () => {
    const m = block({ sumReaders: 'add', bias: 'none' });
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'Add', 'SkipLayerNormalization']);
    expect(fused(m).outputs).toEqual(['ln', '', '', 'sum']);
    expect(fused(m).inputs).toEqual(['mm', 'res', 'gamma', 'beta']);
  });

  it('keeps a sum that is a graph output, under its name', async () => {
    const m = block({ sumReaders: 'output' });
    await fuseAndCompare(m);
    expect(fused(m).outputs[3]).toBe('sum');
  });

  it('takes the full-size operand as input and a [1, S, H] one as skip, whatever their order', async () => {
    const m = block({ r: [1, 8, H], swap: true, bias: 'none' });
    await fuseAndCompare(m);
    expect(fused(m).inputs.slice(0, 2)).toEqual(['mm', 'res']);
  });

  it('fuses 2-D [tokens, H] inputs', async () => {
    await fuseAndCompare(block({ x: [16, H], r: [16, H] }));
  });

  it('leaves a bias Add that something else reads, and fuses the rest', async () => {
    const m = block({ bias: 'shared' });
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'Add', 'Relu', 'SkipLayerNormalization']);
    expect(fused(m).inputs).toEqual(['xb', 'res', 'gamma', 'beta']);
  });

  it('does not fuse a non-constant γ', async () => {
    await expectUnchanged(block({ gamma: 'input' }));
  });

  it('does not fuse normalization over more than the last axis', async () => {
    await expectUnchanged(block({ gamma: 'matrix', axis: -2 }));
  });

  it('does not fuse when the mean output is read', async () => {
    await expectUnchanged(block({ meanRead: true }));
  });

  it('does not fuse skips the kernel cannot take ([H]) or rank-4 inputs', async () => {
    await expectUnchanged(block({ r: [H], bias: 'none' }));
    await expectUnchanged(block({ x: [2, 2, 4, H], r: [2, 2, 4, H] }));
  });

  it('is skipped for the portable target', async () => {
    const r = await runPasses(block(), [ortFuseSkipLayerNorm], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
