import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { decodeTensor } from '../../shared/rewrite/value-facts.js';
import { compareTensors } from '../../shared/verify/compare.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';

function random(n: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * 2 - 1;
  });
}

function cosine(actual: Float32Array, expected: Float32Array): number {
  const data = (v: Float32Array) => ({ elemType: ElemType.FLOAT, dims: [v.length], values: v });
  return compareTensors(data(expected), data(actual), resolveTolerance('int8')).cosine!;
}

async function run(proto: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(concatSegments(encodeModel(proto)), { graphOptimizationLevel: 'all' });
  const out = await s.run(feeds);
  await s.release();
  return out[s.outputNames[0]!]!.data as Float32Array;
}

// x [2, 8, 16] → MatMul [16, 32] → Relu → Gemm (transB, [24, 32], bias) needs 2-D: a Conv model beside.
function mlp(): ModelProto {
  return model(
    graph({
      nodes: [
        node('MatMul', ['x', 'w1'], ['h'], {}, { name: 'mm' }),
        node('Relu', ['h'], ['r'], {}, { name: 'relu' }),
        node('Reshape', ['r', 'shape'], ['f'], {}, { name: 'flat' }),
        node('Gemm', ['f', 'w2', 'b2'], ['y'], { transB: 1 }, { name: 'gemm' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 8, 16])],
      outputs: [valueInfo('y', ElemType.FLOAT, [16, 24])],
      initializers: [
        tensor('w1', ElemType.FLOAT, [16, 32], random(512, 1)),
        tensor('shape', ElemType.INT64, [2], [16n, 32n]),
        tensor('w2', ElemType.FLOAT, [24, 32], random(768, 2)),
        tensor('b2', ElemType.FLOAT, [24], random(24, 3)),
      ],
    }),
    { opset: 17 },
  );
}

function conv(): ModelProto {
  return model(
    graph({
      nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' })],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 4, 8, 8])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, 6, 8, 8])],
      initializers: [tensor('w', ElemType.FLOAT, [6, 4, 3, 3], random(216, 4)), tensor('b', ElemType.FLOAT, [6], random(6, 5))],
    }),
    { opset: 17 },
  );
}

async function quantize(proto: ModelProto, options: Record<string, unknown>) {
  const m = new IrModel(proto);
  const e = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-dynamic', options), {}, 'quantize');
  return { m, e, ops: [...m.graph.nodes].map((n) => n.opType) };
}

describe('dynamic int8 quantization', () => {
  const feeds = { x: new ort.Tensor('float32', random(256, 9), [2, 8, 16]) };

  it('onnxruntime target: MatMul and Gemm (transB undone, bias kept) become DynamicQuantizeMatMul', async () => {
    const proto = mlp();
    const want = await run(proto, feeds);
    for (const perChannel of [false, true]) {
      const { m, e, ops } = await quantize(proto, { perChannel, target: 'onnxruntime' });
      expect(e.outcome.matches).toBe(2);
      expect(ops.filter((o) => o === 'DynamicQuantizeMatMul')).toHaveLength(2);
      expect(m.opsetVersion('com.microsoft')).toBe(1);
      // The Gemm's [24, 32] weight is stored [32, 24]: K rows, N columns.
      const gemm = [...m.graph.nodes].find((n) => n.name.startsWith('gemm'))!;
      const w = m.graph.initializers.get(gemm.inputs[1]!)!;
      expect(w.dims).toEqual([32, 24]);
      expect(w.dataType).toBe(ElemType.INT8);
      expect(m.graph.initializers.get(gemm.inputs[2]!)!.dims ?? []).toEqual(perChannel ? [24] : []);
      expect(gemm.inputs[4]).toBe('b2');
      expect(m.graph.initializers.has('w1')).toBe(false);
      expect(cosine(await run(m.toProto(), feeds), want)).toBeGreaterThan(0.999);
    }
  });

  it('portable target (the default): standard ops only (DynamicQuantizeLinear, MatMulInteger, Cast, Mul)', async () => {
    const proto = mlp();
    const { m, ops } = await quantize(proto, { perChannel: true });
    expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(2);
    expect(ops).not.toContain('DynamicQuantizeMatMul');
    expect(m.opsetVersion('com.microsoft')).toBeUndefined();
    expect(cosine(await run(m.toProto(), feeds), await run(proto, feeds))).toBeGreaterThan(0.999);
  });

  it('leaves Conv in float unless ops names it; then ConvInteger with uint8 weights, per tensor (all onnxruntime runs)', async () => {
    const proto = conv();
    const m0 = new IrModel(proto);
    await expect(applyOperation(m0, resolveOperation(defaultOperations(), m0, 'quantize-dynamic', {}), {}, 'q')).rejects.toThrow(/changes nothing/);
    const { m, ops } = await quantize(proto, { ops: ['Conv'], perChannel: true });
    expect(ops).toContain('ConvInteger');
    const ci = [...m.graph.nodes].find((n) => n.opType === 'ConvInteger')!;
    expect(m.graph.initializers.get(ci.inputs[1]!)!.dataType).toBe(ElemType.UINT8);
    const zp = decodeTensor(m.graph.initializers.get(ci.inputs[3]!)!, () => undefined) as Uint8Array;
    expect(zp).toHaveLength(1);
    const x = { x: new ort.Tensor('float32', random(256, 8), [1, 4, 8, 8]) };
    expect(cosine(await run(m.toProto(), x), await run(proto, x))).toBeGreaterThan(0.999);
  });

  it('raises an opset without DynamicQuantizeLinear (before 11) to 11 where the ops keep their meaning; the onnxruntime target needs none', async () => {
    const old = { ...mlp(), opsetImport: [{ domain: '', version: 10 }] };
    const m = new IrModel(old);
    await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-dynamic', {}), {}, 'q');
    expect(m.opsetVersion('')).toBe(11);
    expect([...m.graph.nodes].map((n) => n.opType)).toContain('DynamicQuantizeLinear');
    expect(cosine(await run(m.toProto(), feeds), await run(old, feeds))).toBeGreaterThan(0.999);
    const { m: q, ops } = await quantize(old, { target: 'onnxruntime' });
    expect(ops.filter((o) => o === 'DynamicQuantizeMatMul')).toHaveLength(2);
    expect(q.opsetVersion('')).toBe(10);
    expect(cosine(await run(q.toProto(), feeds), await run(old, feeds))).toBeGreaterThan(0.999);
  });

  it('a selection or an exclusion limits what it touches', async () => {
    const { ops } = await quantize(mlp(), { exclude: ['gemm'] });
    expect(ops).toContain('Gemm');
    expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(1);
    const m = new IrModel(mlp());
    const mm = [...m.graph.nodes].find((n) => n.name === 'mm')!;
    await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-dynamic', {}, [mm.id]), {}, 'q');
    expect([...m.graph.nodes].map((n) => n.opType)).toContain('Gemm');
  });
});
