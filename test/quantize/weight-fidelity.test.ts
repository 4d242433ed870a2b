import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { staticPlanOf, staticRangesNeeded, type StaticOperationOptions } from '../../shared/operations/quantize-static-operation.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { quantizedSqnrDb } from '../../shared/quantize/weight-fidelity.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import { calibrate } from '../../electron/runtime/calibrate.js';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';

const runtime = { inferTypes, evaluator: new OrtConstantEvaluator() };
const db = (signal: number, noise: number) => 10 * Math.log10(signal / noise);

describe('quantizedSqnrDb: what a weight keeps in int8 (symmetric, [−127, 127])', () => {
  it('per tensor: [0.04, 12.7] has scale 0.1, 0.04 rounds to 0: 10·log10((0.04² + 12.7²) / 0.04²)', () => {
    expect(quantizedSqnrDb([0.04, 12.7], [2], { type: 'int8', symmetric: true })).toBeCloseTo(db(0.04 ** 2 + 12.7 ** 2, 0.04 ** 2), 3);
  });

  it('values that are exact in int8 lose nothing (Infinity)', () => {
    expect(quantizedSqnrDb([0.1, -0.2, 12.7], [3], { type: 'int8', symmetric: true })).toBeGreaterThan(100);
    expect(quantizedSqnrDb([0, 0, 0], [3], { type: 'int8', symmetric: true })).toBe(Infinity);
  });

  it('one large value among many small ones: 16383 × 0.004 (below half a step of 1.27/127) and 1.27 keep 8.5 dB per tensor, 29.7 dB per channel', () => {
    const w = coarseWeight();
    const small = 16383 * 0.004 ** 2;
    expect(quantizedSqnrDb(w, [128, 128, 1, 1], { type: 'int8', symmetric: true })).toBeCloseTo(db(1.27 ** 2 + small, small), 3);
    // Per channel only the 127 small values of channel 0 round to 0; the other channels are exact (0.004 is their step × 127).
    const channel0 = 127 * 0.004 ** 2;
    expect(quantizedSqnrDb(w, [128, 128, 1, 1], { type: 'int8', symmetric: true, axis: 0 })).toBeCloseTo(db(1.27 ** 2 + small, channel0), 2);
  });
});

// Weights [128, 128, 1, 1]: 0.004 everywhere but w[0, 0] = 1.27.
function coarseWeight(): Float32Array {
  const w = new Float32Array(128 * 128).fill(0.004);
  w[0] = 1.27;
  return w;
}

function random(n: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * 2 - 1;
  });
}

// x [1,128,2,2] → coarse (the weight above) → Relu → fine (uniform weights) → y
function twoConvs(): ModelProto {
  return model(
    graph({
      nodes: [
        node('Conv', ['x', 'w1'], ['c'], { kernel_shape: [1, 1] }, { name: 'coarse' }),
        node('Relu', ['c'], ['r'], {}, { name: 'relu' }),
        node('Conv', ['r', 'w2'], ['y'], { kernel_shape: [1, 1] }, { name: 'fine' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 128, 2, 2])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, 128, 2, 2])],
      initializers: [tensor('w1', ElemType.FLOAT, [128, 128, 1, 1], coarseWeight()), tensor('w2', ElemType.FLOAT, [128, 128, 1, 1], random(16384, 5))],
    }),
    { opset: 13 },
  );
}

const base: StaticOperationOptions = { activationType: 'uint8', symmetric: false, perChannel: false, reduceRange: false, exclude: [] };

async function run(proto: ModelProto, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(concatSegments(encodeModel(proto)), { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const out = await s.run({ x: new ort.Tensor('float32', x, [1, 128, 2, 2]) });
  await s.release();
  return out.y!.data as Float32Array;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! ** 2, bb + b[i]! ** 2];
  return ab / Math.sqrt(aa * bb);
}

describe('static quantization leaves a Conv in float when its int8 weight keeps < 12 dB', () => {
  it('plans the coarse Conv in float (named with its SQNR), quantizes it per channel or with the check off', () => {
    const plan = staticPlanOf(new IrModel(twoConvs()), base, undefined);
    expect(plan.coarseWeights.map((c) => [c.node.name, Number(c.sqnrDb.toFixed(1))])).toEqual([['coarse', 8.5]]);
    expect(plan.nodes.map((n) => n.name)).toEqual(['fine']);
    for (const o of [{ ...base, perChannel: true }, { ...base, minWeightSqnrDb: 0 }]) {
      const p = staticPlanOf(new IrModel(twoConvs()), o, undefined);
      expect(p.coarseWeights).toEqual([]);
      expect(p.nodes.map((n) => n.name)).toEqual(['coarse', 'fine']);
    }
  });

  it('onnxruntime runs the result, closer to the float model than with the coarse weight in int8', async () => {
    const x = random(512, 11).map(Math.abs);
    const expected = await run(twoConvs(), x);
    const cosines: number[] = [];
    for (const o of [base, { ...base, minWeightSqnrDb: 0 }]) {
      const m = new IrModel(twoConvs());
      const cal = await calibrate(m.toProto(), staticRangesNeeded(m, o, undefined), { method: 'minmax', samples: 4, dims: {} });
      const effect = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-static', { ...o, ranges: Object.fromEntries(cal.ranges) }), runtime, 'quantize');
      if (o === base) expect(effect.outcome.summary).toMatch(/left in float, their int8 weights too coarse \(SQNR < 12 dB\): coarse 8\.5 dB/);
      cosines.push(cosine(await run(m.toProto(), x), expected));
    }
    // With the coarse weight in int8, 127 of its 128 output channels are 0: only w[0, 0] is left.
    expect(cosines[0]).toBeGreaterThan(0.99);
    expect(cosines[1]).toBeLessThan(cosines[0]! - 0.01);
  });
});
