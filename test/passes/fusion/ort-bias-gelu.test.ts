import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ortFuseBiasGelu } from '../../../shared/passes/fusion/ort-bias-gelu.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';
const H = 16;

interface Options {
  /** The Gelu: ONNX's (opset 20) with its approximation, or onnxruntime's Gelu / FastGelu. */
  gelu?: 'onnx' | 'onnx-tanh' | 'ms' | 'ms-fast';
  biasFirst?: boolean;
  bias?: 'const' | 'input' | 'row';
  /** x's shape as declared (null: undeclared); its last dimension 1 would be broadcast up by the Add. */
  x?: number[] | null;
  sumAsOutput?: boolean;
}

function block(o: Options = {}): IrModel {
  const kind = o.gelu ?? 'ms';
  const rand = mulberry32(2);
  const x = o.x === undefined ? [2, 8, H] : o.x;
  const inputs: ValueInfoProto[] = [valueInfo('h', ElemType.FLOAT, [2, 8, H])];
  const inits: TensorProto[] = [tensor('w', ElemType.FLOAT, [H, x?.[2] ?? H], Array.from({ length: H * (x?.[2] ?? H) }, () => rand() - 0.5))];
  const bias = o.bias ?? 'const';
  if (bias === 'input') inputs.push(valueInfo('b', ElemType.FLOAT, [H]));
  else inits.push(tensor('b', ElemType.FLOAT, bias === 'row' ? [1, H] : [H], Array.from({ length: H }, () => rand() - 0.5)));
  const nodes: NodeProto[] = [node('MatMul', ['h', 'w'], ['x']), node('Add', o.biasFirst ? ['b', 'x'] : ['x', 'b'], ['xb'])];
  const ms = kind === 'ms' || kind === 'ms-fast';
  const attrs: Record<string, string> = kind === 'onnx-tanh' ? { approximate: 'tanh' } : {};
  nodes.push(node(kind === 'ms-fast' ? 'FastGelu' : 'Gelu', ['xb'], ['y'], attrs, { name: 'act', ...(ms ? { domain: 'com.microsoft' } : {}) }));
  const outputs = [valueInfo('y', ElemType.FLOAT, [2, 8, H])];
  if (o.sumAsOutput) outputs.push(valueInfo('xb', ElemType.FLOAT, [2, 8, H]));
  const opset = ms ? [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] : [{ domain: '', version: 20 }];
  const valueInfos = x ? [valueInfo('x', ElemType.FLOAT, x)] : [];
  return new IrModel(model(graph({ nodes, inputs, outputs, initializers: inits, valueInfo: valueInfos }), { opset, irVersion: ms ? 8 : 9 }));
}

function feedsFor(m: IrModel, seed: number): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  return Object.fromEntries(
    m.graph.inputs.map((vi) => {
      const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
      return [vi.name!, new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2), dims)];
    }),
  );
}



const ops = (m: IrModel) => [...m.graph.nodes].map((n) => `${n.domain ? `${n.domain}:` : ''}${n.opType}`);

async function fuseAndCompare(m: IrModel): Promise<void> {
  const feeds = feedsFor(m, 4);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseBiasGelu], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(1);
  expect(m.opsetVersion('com.microsoft')).toBe(1);
  const fused = [...m.graph.nodes][1]!;
  expect(fused.inputs).toEqual(['x', 'b']);
  expect(fused.outputs).toEqual(['y']);
  expect(fused.name).toBe('act');
  // With onnxruntime's own optimizer on as well: the fused nodes must survive its passes.
  for (const level of ['disabled', 'all'] as const) expectClose((await outputs(m, feeds, level)).y!, before.y!);
}

async function expectUnchanged(m: IrModel): Promise<void> {
  const bytes = concatSegments(encodeModel(m.toProto()));
  const r = await runPasses(m, [ortFuseBiasGelu], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
  expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(bytes))).toBe(0);
}

describe('ort-fuse-bias-gelu', () => {
  it('fuses Add(x, bias) → com.microsoft Gelu into BiasGelu', async () => {
    const m = block();
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'com.microsoft:BiasGelu']);
  });

  it('fuses Add(bias, x) → ONNX Gelu (opset 20) into BiasGelu, adding the com.microsoft import', async () => {
    const m = block({ gelu: 'onnx', biasFirst: true });
    expect(m.opsetVersion('com.microsoft')).toBeUndefined();
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'com.microsoft:BiasGelu']);
  });

  it('fuses the tanh Gelus (ONNX approximate="tanh", com.microsoft FastGelu) into FastGelu(x, bias)', async () => {
    for (const gelu of ['onnx-tanh', 'ms-fast'] as const) {
      const m = block({ gelu });
      await fuseAndCompare(m);
      expect(ops(m)).toEqual(['MatMul', 'com.microsoft:FastGelu']);
    }
  });

  it('does not fuse a non-constant or non-1-D bias', async () => {
    await expectUnchanged(block({ bias: 'input' }));
    await expectUnchanged(block({ bias: 'row' }));
  });

  it('does not fuse when x’s last dimension is unknown, or 1 (broadcast up by the Add)', async () => {
    await expectUnchanged(block({ x: null }));
    await expectUnchanged(block({ x: [2, 8, 1] }));
  });

  it('does not fuse when the sum is read elsewhere', async () => {
    await expectUnchanged(block({ sumAsOutput: true }));
  });

  it('is skipped for the portable target', async () => {
    const r = await runPasses(block(), [ortFuseBiasGelu], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
