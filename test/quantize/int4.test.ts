import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { dequantizeInt4Blocks, quantizeInt4Blocks } from '../../shared/quantize/int4/block-quantize.js';
import { tensorValues } from '../../shared/verify/tensor-data.js';
import { mlpModel, randomValues } from './float-models.js';
import { applyTo, compareOutputs, run } from './half-helpers.js';

// quantize-int4: the packing checked against values worked out by hand, then MatMul models
// rewritten to com.microsoft MatMulNBits and run in onnxruntime CPU against the float originals.

// A k x 2 weight (row-major) whose column 0 is (i mod 16 - 8) / 2 for row i and column 1 all ones.
function handWeight(k = 16): Float32Array {
  const w = new Float32Array(k * 2);
  for (let i = 0; i < k; i++) {
    w[i * 2] = ((i % 16) - 8) / 2;
    w[i * 2 + 1] = 1;
  }
  return w;
}

describe('4-bit block packing', () => {
  it('symmetric: the largest magnitude maps to -8, codes two per byte, low nibble first', () => {
    const q = quantizeInt4Blocks(handWeight(), 16, 2, 16, true);
    // Column 0: extreme -4 → scale -4 / -8 = 0.5, code = v / 0.5 + 8 = i.
    // Column 1: extreme 1 → scale -0.125, code = 1 / -0.125 + 8 = 0.
    expect(Array.from(q.scales)).toEqual([0.5, -0.125]);
    expect(Array.from(q.packed.subarray(0, 8))).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    expect(Array.from(q.packed.subarray(8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(q.zeroPoints).toBeUndefined();
    expect(Array.from(dequantizeInt4Blocks(q, 16, 2, 16))).toEqual(Array.from(handWeight()));
  });

  it('asymmetric: range widened to 0, scale = range / 15, zero points packed per column', () => {
    const q = quantizeInt4Blocks(handWeight(), 16, 2, 16, false);
    // Column 0: [-4, 3.5] → scale 0.5, zero point 8 (codes as above). Column 1: [0, 1] → scale 1/15, zero point 0, codes 15.
    expect(Array.from(q.scales)).toEqual([0.5, Math.fround(1 / 15)]);
    expect(Array.from(q.zeroPoints!)).toEqual([8, 0]);
    expect(Array.from(q.packed.subarray(0, 8))).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    expect(Array.from(q.packed.subarray(8))).toEqual(new Array(8).fill(0xff));
  });

  it('pads a K that blocks do not divide with the zero point, and packs two blocks zero points into one byte', () => {
    // K = 20 in blocks of 16: column 0's second block holds (i - 8) / 2 for i = 0..3 (extreme -4: scale 0.5), then 12 pads.
    const q = quantizeInt4Blocks(handWeight(20), 20, 2, 16, false);
    expect(q.blocks).toBe(2);
    expect(q.packed.length).toBe(2 * 2 * 8);
    // Second block of column 0: [-4, -2.5] widened to [-4, 0] → scale 4/15, zero point round(15) = 15; codes round(v·15/4) + 15.
    const block = Array.from(q.packed.subarray(8, 16));
    const codes = block.flatMap((b) => [b & 15, b >> 4]);
    expect(codes.slice(0, 4)).toEqual([0, 2, 4, 6]); // -4, -3.5, -3, -2.5 → round(-15, -13.1, -11.25, -9.4) + 15
    expect(codes.slice(4)).toEqual(new Array(12).fill(15));
    expect(q.zeroPoints![0]).toBe(8 | (15 << 4));
  });
});

/** x[rows, K] · W[K, N] (+ b) with a seeded W. */
function matmulModel(k: number, n: number, rows = 3): ModelProto {
  return model(
    graph({
      inputs: [valueInfo('x', ElemType.FLOAT, [rows, k])],
      outputs: [valueInfo('y', ElemType.FLOAT, [rows, n])],
      initializers: [tensor('W', ElemType.FLOAT, [k, n], randomValues(k * n, 11, 0.2)), tensor('b', ElemType.FLOAT, [n], randomValues(n, 12, 0.1))],
      nodes: [node('MatMul', ['x', 'W'], ['xw'], {}, { name: 'mm' }), node('Add', ['xw', 'b'], ['y'])],
    }),
  );
}

describe('quantize-int4', () => {
  it('rewrites MatMul to MatMulNBits that onnxruntime CPU runs, outputs within cosine 0.99 of float, for each block size and both modes', async () => {
    const float = matmulModel(200, 96); // 200 = 6·32 + 8: the last block padded
    const feeds = { x: new ort.Tensor('float32', randomValues(3 * 200, 13), [3, 200]) };
    const want = (await run(float, feeds)).y!;
    for (const blockSize of [32, 64, 128]) {
      for (const symmetric of [true, false]) {
        const { m, effect } = await applyTo(float, 'quantize-int4', { blockSize, symmetric });
        const p = m.toProto();
        const mm = p.graph!.node!.find((x) => x.opType === 'MatMulNBits')!;
        expect(mm.domain).toBe('com.microsoft');
        const attrs = Object.fromEntries(mm.attribute!.map((a) => [a.name, Number(a.i)]));
        expect(attrs).toEqual({ K: 200, N: 96, bits: 4, block_size: blockSize });
        expect(mm.input).toHaveLength(symmetric ? 3 : 4);
        expect(p.graph!.initializer!.some((t) => t.name === 'W')).toBe(false);
        expect(p.opsetImport).toContainEqual({ domain: 'com.microsoft', version: 1 });
        const c = compareOutputs(want, (await run(p, feeds)).y!, 'int8');
        expect(c.cosine, `block ${blockSize}, symmetric ${symmetric}`).toBeGreaterThanOrEqual(0.99);
        expect(c.maxAbsError).toBeGreaterThan(0);
        expect(effect.outcome.summary).toMatch(/1 MatMul to 4-bit MatMulNBits/);
      }
    }
  });

  it('what onnxruntime computes is x times the dequantized weight', async () => {
    const float = matmulModel(64, 8, 1);
    const { m } = await applyTo(float, 'quantize-int4', { blockSize: 32, symmetric: false });
    const packed = tensorValues(m.graph.initializers.get('W_q4')!) as Uint8Array;
    const scales = tensorValues(m.graph.initializers.get('W_scales')!) as Float32Array;
    const zeroPoints = tensorValues(m.graph.initializers.get('W_zp')!) as Uint8Array;
    const w = dequantizeInt4Blocks({ blocks: 2, packed, scales, zeroPoints }, 64, 8, 32);
    const x = randomValues(64, 14);
    const b = tensorValues(float.graph!.initializer!.find((t) => t.name === 'b')!) as Float32Array;
    const y = (await run(m.toProto(), { x: new ort.Tensor('float32', x, [1, 64]) })).y!.data as Float32Array;
    for (let j = 0; j < 8; j++) {
      let sum = b[j]!;
      for (let i = 0; i < 64; i++) sum += x[i]! * w[i * 8 + j]!;
      expect(y[j]).toBeCloseTo(sum, 4);
    }
  });

  it('quantizes both MatMuls of an MLP and keeps the model within cosine 0.99', async () => {
    const x = new ort.Tensor('float32', randomValues(2 * 64, 9), [2, 64]);
    const { m, effect } = await applyTo(mlpModel(), 'quantize-int4');
    expect(effect.outcome.matches).toBe(2);
    const c = compareOutputs((await run(mlpModel(), { x })).probs!, (await run(m.toProto(), { x })).probs!, 'int8');
    expect(c.cosine).toBeGreaterThanOrEqual(0.99);
  });

  it('refuses the portable target, and a model without a MatMul of constant weight', async () => {
    await expect(applyTo(matmulModel(64, 8), 'quantize-int4', { target: 'portable' })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(/onnxruntime/) });
    const dynamic = model(
      graph({
        inputs: [valueInfo('a', ElemType.FLOAT, [2, 4]), valueInfo('w', ElemType.FLOAT, [4, 3])],
        outputs: [valueInfo('y', ElemType.FLOAT, [2, 3])],
        nodes: [node('MatMul', ['a', 'w'], ['y'], {}, { name: 'mm' })],
      }),
    );
    await expect(applyTo(dynamic, 'quantize-int4')).rejects.toMatchObject({ code: 'NOT_APPLICABLE', message: expect.stringContaining('"mm" (MatMul): its weight (input B) is not a constant') });
    const noMatMul = model(graph({ inputs: [valueInfo('a', ElemType.FLOAT, [2])], outputs: [valueInfo('b', ElemType.FLOAT, [2])], nodes: [node('Relu', ['a'], ['b'])] }));
    await expect(applyTo(noMatMul, 'quantize-int4')).rejects.toMatchObject({ code: 'NOT_APPLICABLE' });
    await expect(applyTo(matmulModel(64, 8), 'quantize-int4', { blockSize: 16 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});

describe('IR version 3 models (initializers listed as graph inputs)', () => {
  it('quantize-int4 and quantize-fp16 keep the input list matching the initializers, and onnxruntime loads the results', async () => {
    const float = { ...matmulModel(64, 8), irVersion: 3 };
    float.graph = { ...float.graph!, input: [...float.graph!.input!, valueInfo('W', ElemType.FLOAT, [64, 8]), valueInfo('b', ElemType.FLOAT, [8])] };
    const feeds = { x: new ort.Tensor('float32', randomValues(3 * 64, 13), [3, 64]) };
    const want = (await run(float, feeds)).y!;
    const int4 = (await applyTo(float, 'quantize-int4')).m.toProto();
    expect(int4.graph!.input!.map((i) => i.name)).toEqual(['x', 'b', 'W_q4', 'W_scales']);
    expect(compareOutputs(want, (await run(int4, feeds)).y!, 'int8').cosine).toBeGreaterThanOrEqual(0.99);
    const half = (await applyTo(float, 'quantize-fp16')).m.toProto();
    expect(half.graph!.input!.map((i) => [i.name, i.type!.tensorType!.elemType])).toEqual([['x', ElemType.FLOAT], ['W', ElemType.FLOAT16], ['b', ElemType.FLOAT16]]);
    expect(compareOutputs(want, (await run(half, feeds)).y!, 'fp16').passed).toBe(true);
  });
});
