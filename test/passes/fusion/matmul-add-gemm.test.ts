import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseMatMulAddGemm } from '../../../shared/passes/fusion/matmul-add-gemm.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

interface Options {
  aShape?: DimSpec[] | null;
  cShape?: number[];
  swap?: boolean;
  opset?: number;
  mmAlsoOutput?: boolean;
  cAsInput?: boolean;
}

// A linear layer as torch.onnx exports it: MatMul(x [4, 5], W [5, 3]) + bias [3].
function matmulAdd(o: Options = {}): ModelProto {
  const cShape = o.cShape ?? [3];
  const aShape = o.aShape === undefined ? [4, 5] : o.aShape;
  const initializers = [randomTensor('W', [5, 3], 1)];
  const inputs = [valueInfo('x', ElemType.FLOAT, aShape)];
  if (o.cAsInput) inputs.push(valueInfo('C', ElemType.FLOAT, cShape));
  else initializers.push(randomTensor('C', cShape, 2));
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  if (o.mmAlsoOutput) outputs.push(valueInfo('mm_out', ElemType.FLOAT, null));
  const nodes = [node('MatMul', ['x', 'W'], ['mm_out'], {}, { name: 'mm' }), node('Add', o.swap ? ['C', 'mm_out'] : ['mm_out', 'C'], ['y'], {}, { name: 'add' })];
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: o.opset ?? 13 });
}

describe('fuse-matmul-add-gemm', () => {
  it('turns MatMul + Add into Gemm, keeping the output name; outputs match', async () => {
    for (const o of [{}, { swap: true }, { cShape: [4, 3] }, { cShape: [1, 3] }, { cShape: [4, 1] }, { cShape: [] }, { cAsInput: true }, { opset: 7 }]) {
      const proto = matmulAdd(o);
      const { ops, model: m } = await fuse(proto, [fuseMatMulAddGemm]);
      expect(ops, JSON.stringify(o)).toEqual(['Gemm']);
      const gemm = [...m.graph.nodes][0]!;
      expect(gemm.outputs).toEqual(['y']);
      expect(gemm.inputs).toEqual(['x', 'W', 'C']);
      await expectSameOutputs(proto, m);
    }
  });

  it('accepts a symbolic batch dim that C does not depend on', async () => {
    const proto = matmulAdd({ aShape: ['batch', 5] });
    expect((await fuse(proto, [fuseMatMulAddGemm])).ops).toEqual(['Gemm']);
  });

  it('does not fire unless A is known to be 2-D', async () => {
    expect((await fuse(matmulAdd({ aShape: [2, 4, 5] }), [fuseMatMulAddGemm])).matches).toBe(0);
    expect((await fuse(matmulAdd({ aShape: null }), [fuseMatMulAddGemm])).matches).toBe(0);
  });

  it('does not fire when C does not broadcast to [M, N] one way', async () => {
    // [1, 4, 3] would make the result 3-D; [2, 3] with M = 4 is not broadcastable; with an unknown M,
    // a C of [4, 3] cannot be checked.
    expect((await fuse(matmulAdd({ cShape: [1, 4, 3] }), [fuseMatMulAddGemm])).matches).toBe(0);
    expect((await fuse(matmulAdd({ cShape: [4, 3], aShape: ['batch', 5] }), [fuseMatMulAddGemm])).matches).toBe(0);
    expect((await fuse(matmulAdd({ cShape: [4, 3], aShape: [null, 5] }), [fuseMatMulAddGemm])).matches).toBe(0);
  });

  it('does not fire when the MatMul result is also a graph output, below opset 7, or outside the selection', async () => {
    expect((await fuse(matmulAdd({ mmAlsoOutput: true }), [fuseMatMulAddGemm])).matches).toBe(0);
    expect((await fuse(matmulAdd({ opset: 6 }), [fuseMatMulAddGemm])).matches).toBe(0);
    const proto = matmulAdd();
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseMatMulAddGemm], { scope: idsOf(probe.model, ['mm']) })).matches).toBe(0);
  });
});
