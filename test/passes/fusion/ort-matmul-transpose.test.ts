import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ortFuseMatMulTranspose } from '../../../shared/passes/fusion/ort-matmul-transpose.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';

const F = ElemType.FLOAT;
const msOpsets = [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }];

function make(nodes: NodeProto[], inputs: ValueInfoProto[], inits: TensorProto[] = [], opset: number | typeof msOpsets = 17): IrModel {
  return new IrModel(model(graph({ nodes, inputs, outputs: ['y'], initializers: inits }), { opset }));
}

function feedsFor(m: IrModel, seed: number): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  return Object.fromEntries(
    m.graph.inputs.map((vi) => {
      const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
      return [vi.name!, new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1), dims)];
    }),
  );
}



/** Fuses, checks outputs, and returns the single node left with its attributes. */
async function fuseAndCompare(m: IrModel): Promise<{ inputs: readonly string[]; attrs: Record<string, number> }> {
  const feeds = feedsFor(m, 8);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseMatMulTranspose], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBeGreaterThan(0);
  expect(m.opsetVersion('com.microsoft')).toBe(1);
  // With onnxruntime's own optimizer on as well: the fused nodes must survive its passes.
  for (const level of ['disabled', 'all'] as const) expectClose((await outputs(m, feeds, level)).y!, before.y!);
  const nodes = [...m.graph.nodes];
  expect(nodes.map((n) => `${n.domain}:${n.opType}`)).toEqual(['com.microsoft:FusedMatMul']);
  const attrs = Object.fromEntries(nodes[0]!.attributes.map((a) => [a.name!, a.f ?? Number(a.i)]));
  return { inputs: nodes[0]!.inputs, attrs };
}

async function expectUnchanged(m: IrModel): Promise<void> {
  const bytes = concatSegments(encodeModel(m.toProto()));
  const r = await runPasses(m, [ortFuseMatMulTranspose], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
  expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(bytes))).toBe(0);
}

const x = (name: string, dims: number[]) => valueInfo(name, F, dims);

describe('ort-fuse-matmul-transpose', () => {
  it('fuses a 2-D Transpose on A into transA', async () => {
    const m = make([node('Transpose', ['a'], ['at'], { perm: [1, 0] }), node('MatMul', ['at', 'b'], ['y'])], [x('a', [5, 3]), x('b', [5, 4])]);
    expect(await fuseAndCompare(m)).toEqual({ inputs: ['a', 'b'], attrs: { transA: 1 } });
  });

  it('fuses a batched Transpose of constant weights on B into transB (element type from the constant)', async () => {
    const rand = mulberry32(1);
    const w = tensor('w', F, [2, 6, 4], Array.from({ length: 48 }, () => rand()));
    const m = make([node('Transpose', ['w'], ['wt'], { perm: [0, 2, 1] }), node('MatMul', ['a', 'wt'], ['y'])], [valueInfo('a', F, [2, 3, 4])], [w]);
    expect(await fuseAndCompare(m)).toEqual({ inputs: ['a', 'w'], attrs: { transB: 1 } });
  });

  it('fuses Transposes on both sides and a scalar Mul after into one FusedMatMul (Q·Kᵀ·scale)', async () => {
    const m = make(
      [
        node('Transpose', ['q'], ['qt'], { perm: [0, 1, 3, 2] }),
        node('Transpose', ['k'], ['kt'], { perm: [0, 1, 3, 2] }),
        node('MatMul', ['qt', 'kt'], ['s']),
        node('Mul', ['c', 's'], ['y']),
      ],
      [x('q', [2, 3, 8, 5]), x('k', [2, 3, 6, 8])],
      [scalar('c', F, 0.125)],
    );
    expect(await fuseAndCompare(m)).toEqual({ inputs: ['q', 'k'], attrs: { transA: 1, transB: 1, alpha: 0.125 } });
  });

  it('folds a Div by a scalar after a plain MatMul into alpha', async () => {
    const m = make([node('MatMul', ['a', 'b'], ['s']), node('Div', ['s', 'c'], ['y'])], [x('a', [4, 3]), x('b', [3, 2])], [scalar('c', F, 4)]);
    expect(await fuseAndCompare(m)).toEqual({ inputs: ['a', 'b'], attrs: { alpha: 0.25 } });
  });

  it('folds a Transpose into an existing FusedMatMul, toggling its flag and keeping alpha', async () => {
    const m = make(
      [node('Transpose', ['a'], ['at'], { perm: [1, 0] }), node('FusedMatMul', ['at', 'b'], ['y'], { transA: 1, alpha: 0.5 }, { domain: 'com.microsoft' })],
      [x('a', [3, 5]), x('b', [5, 4])],
      [],
      msOpsets,
    );
    expect(await fuseAndCompare(m)).toEqual({ inputs: ['a', 'b'], attrs: { alpha: 0.5 } });
  });

  it('fuses a Transpose without perm only when its input is known to be 2-D', async () => {
    const m = make([node('Transpose', ['a'], ['at']), node('MatMul', ['at', 'b'], ['y'])], [x('a', [5, 3]), x('b', [5, 4])]);
    expect((await fuseAndCompare(m)).attrs).toEqual({ transA: 1 });
    await expectUnchanged(make([node('Transpose', ['a'], ['at']), node('MatMul', ['at', 'b'], ['y'])], [valueInfo('a', F, null), x('b', [5, 4])]));
  });

  it('does not fuse a Transpose of other axes', async () => {
    await expectUnchanged(make([node('Transpose', ['a'], ['at'], { perm: [1, 0, 2] }), node('MatMul', ['at', 'b'], ['y'])], [x('a', [3, 2, 4]), x('b', [4, 5])]));
  });

  it('does not fuse a Transpose read elsewhere, nor one feeding both inputs', async () => {
    const shared = [node('Transpose', ['a'], ['at'], { perm: [1, 0] }), node('MatMul', ['at', 'b'], ['mm']), node('Add', ['mm', 'at'], ['y'])];
    await expectUnchanged(make(shared, [x('a', [4, 4]), x('b', [4, 4])]));
    // MatMul(t, t): a rewrite reading t as B would lose the node that makes it.
    await expectUnchanged(make([node('Transpose', ['a'], ['t'], { perm: [1, 0] }), node('MatMul', ['t', 't'], ['y'])], [x('a', [4, 4])]));
  });

  it('does not fold a non-scalar or non-constant factor, or integer products', async () => {
    const mm = node('MatMul', ['a', 'b'], ['s']);
    await expectUnchanged(make([mm, node('Mul', ['s', 'c'], ['y'])], [x('a', [4, 3]), x('b', [3, 2])], [tensor('c', F, [2], [1, 2])]));
    await expectUnchanged(make([mm, node('Mul', ['s', 'c'], ['y'])], [x('a', [4, 3]), x('b', [3, 2]), x('c', [])]));
    await expectUnchanged(
      make([node('Transpose', ['a'], ['at'], { perm: [1, 0] }), node('MatMul', ['at', 'b'], ['y'])], [valueInfo('a', ElemType.INT32, [3, 4]), valueInfo('b', ElemType.INT32, [3, 2])]),
    );
  });

  it('is skipped for the portable target', async () => {
    const m = make([node('Transpose', ['a'], ['at'], { perm: [1, 0] }), node('MatMul', ['at', 'b'], ['y'])], [x('a', [5, 3]), x('b', [5, 4])]);
    const r = await runPasses(m, [ortFuseMatMulTranspose], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
