import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { staticRangesNeeded } from '../../shared/operations/quantize-static-operation.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import { decodeTensor } from '../../shared/rewrite/value-facts.js';
import { compareTensors } from '../../shared/verify/compare.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';
import { calibrate } from '../../electron/runtime/calibrate.js';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';
import { resnetLike } from '../bench/models/resnet-like.js';

const runtime = { inferTypes, evaluator: new OrtConstantEvaluator() };

async function run(proto: ModelProto, feeds: Record<string, ort.Tensor>, level: 'disabled' | 'all' = 'disabled'): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(concatSegments(encodeModel(proto)), { graphOptimizationLevel: level, intraOpNumThreads: 1 });
  const out = await s.run(feeds);
  await s.release();
  return out[s.outputNames[0]!]!.data as Float32Array;
}

// The cosine the `int8` verification level computes.
function cosineSimilarity(actual: Float32Array, expected: Float32Array): number {
  const data = (v: Float32Array) => ({ elemType: ElemType.FLOAT, dims: [v.length], values: v });
  return compareTensors(data(expected), data(actual), resolveTolerance('int8')).cosine!;
}

function random(n: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * 2 - 1;
  });
}

// x [1,2,4,4] → Conv (2→3, 1×1, bias) → Relu → Flatten → MatMul [48, 4] → y
function convReluMatMul(): ModelProto {
  const w = [0.5, -1, 0.25, 0.125, 1, -0.5];
  return model(
    graph({
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv' }),
        node('Relu', ['c'], ['r'], {}, { name: 'relu' }),
        node('Flatten', ['r'], ['f'], { axis: 1 }, { name: 'flatten' }),
        node('MatMul', ['f', 'm'], ['y'], {}, { name: 'matmul' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, 4])],
      initializers: [tensor('w', ElemType.FLOAT, [3, 2, 1, 1], w), tensor('b', ElemType.FLOAT, [3], [0.1, -0.2, 0.3]), tensor('m', ElemType.FLOAT, [48, 4], random(192, 7))],
    }),
    { opset: 17 },
  );
}

async function quantize(m: IrModel, options: Record<string, unknown>, ranges: Map<string, { min: number; max: number }>) {
  const r = resolveOperation(defaultOperations(), m, 'quantize-static', { ...options, ranges: Object.fromEntries(ranges) });
  return applyOperation(m, r, runtime, 'quantize');
}

describe('static int8 quantization (QDQ)', () => {
  it('plans the ranges it needs: Relu folded into the Conv, Flatten sharing its input parameters', () => {
    const m = new IrModel(convReluMatMul());
    expect(staticRangesNeeded(m, { activationType: 'uint8', symmetric: false, perChannel: false, reduceRange: false, exclude: [] }, undefined).sort()).toEqual(['r', 'x']);
    // Symmetric activations cannot fold the Relu (it stays float): the Conv output and the MatMul input get their own ranges.
    expect(staticRangesNeeded(m, { activationType: 'int8', symmetric: true, perChannel: false, reduceRange: false, exclude: [] }, undefined).sort()).toEqual(['c', 'f', 'x']);
    // Excluding the Conv leaves only the MatMul, whose input (after a Flatten of a float Relu) is calibrated itself.
    expect(staticRangesNeeded(m, { activationType: 'uint8', symmetric: false, perChannel: false, reduceRange: false, exclude: ['conv'] }, undefined)).toEqual(['f']);
  });

  it('a selection quantizes only its nodes: the MatMul alone calibrates its own input', () => {
    const m = new IrModel(convReluMatMul());
    const mm = [...m.graph.nodes].find((n) => n.name === 'matmul')!;
    const o = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
    expect(staticRangesNeeded(m, o, new Set([mm.id]))).toEqual(['f']);
    // The Conv and its Relu selected: the Relu folds; the Flatten and MatMul stay float, reading the dequantized Relu output.
    const conv = [...m.graph.nodes].filter((n) => n.name === 'conv' || n.name === 'relu').map((n) => n.id);
    expect(staticRangesNeeded(m, o, new Set(conv)).sort()).toEqual(['r', 'x']);
  });

  it('writes int8 weights, an int32 bias with scale input × weight scale, and Q/DQ pairs that onnxruntime runs', async () => {
    const proto = convReluMatMul();
    const m = new IrModel(proto);
    const ranges = new Map([['x', { min: -1, max: 2 }], ['r', { min: 0, max: 3 }]]);
    const e = await quantize(m, { perChannel: true }, ranges);
    expect(e.outcome.matches).toBe(3); // Conv, Flatten, MatMul
    const ops = [...m.graph.nodes].map((n) => n.opType);
    expect(ops).not.toContain('Relu');
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(3); // x, r, f
    const inits = m.graph.initializers;
    // Per channel, symmetric int8: channel scales max|w|/127 → w/scale = ±127 at each channel's largest weight.
    const wq = inits.get('w_quantized')!;
    expect(wq.dataType).toBe(ElemType.INT8);
    expect(Array.from(decodeTensor(wq, () => undefined) as Int8Array)).toEqual([64, -127, 127, 64, 127, -64]);
    const ws = Array.from(decodeTensor(inits.get('w_scale')!, () => undefined) as Float32Array);
    expect(ws).toEqual([1 / 127, 0.25 / 127, 1 / 127].map(Math.fround));
    // x in [-1, 2] as uint8: scale 3/255; the bias scale is that times each weight scale.
    const xs = (decodeTensor(inits.get('x_scale')!, () => undefined) as Float32Array)[0]!;
    expect(xs).toBe(Math.fround(3 / 255));
    const bs = Array.from(decodeTensor(inits.get('b_scale')!, () => undefined) as Float32Array);
    expect(bs).toEqual(ws.map((s) => Math.fround(xs * s)));
    const bq = Array.from(decodeTensor(inits.get('b_quantized')!, () => undefined) as Int32Array);
    expect(bq).toEqual([0.1, -0.2, 0.3].map((b, i) => Math.round(b / bs[i]!)));
    expect(inits.has('w')).toBe(false); // float weights gone

    const x = random(32, 3).map((v) => v * 1.5 + 0.5);
    const feeds = { x: new ort.Tensor('float32', x, [1, 2, 4, 4]) };
    const want = await run(proto, feeds);
    for (const level of ['disabled', 'all'] as const) {
      const got = await run(m.toProto(), feeds, level);
      expect(cosineSimilarity(got, want)).toBeGreaterThan(0.999);
    }
  });

  it('keeps chains quantized through Sigmoid, Mul (swish), Resize and Concat; onnxruntime runs the result within cosine 0.99', async () => {
    const w1 = tensor('w1', ElemType.FLOAT, [8, 4, 3, 3], random(288, 21).map((v) => v * 0.3));
    const w2 = tensor('w2', ElemType.FLOAT, [4, 16, 1, 1], random(64, 22).map((v) => v * 0.3));
    const proto = model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv1' }),
          node('Sigmoid', ['c'], ['s'], {}, { name: 'sigmoid' }),
          node('Mul', ['c', 's'], ['m'], {}, { name: 'swish' }),
          node('Resize', ['m', '', 'scales'], ['u'], { mode: 'nearest' }, { name: 'up' }),
          node('Resize', ['c', '', 'scales'], ['uc'], { mode: 'nearest' }, { name: 'up_c' }),
          node('Concat', ['u', 'uc'], ['cat'], { axis: 1 }, { name: 'cat' }),
          node('Conv', ['cat', 'w2'], ['c2'], { kernel_shape: [1, 1] }, { name: 'conv2' }),
          node('Softmax', ['c2'], ['y'], { axis: 1 }, { name: 'softmax' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4, 8, 8])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 4, 16, 16])],
        initializers: [w1, w2, tensor('scales', ElemType.FLOAT, [4], [1, 1, 2, 2])],
      }),
      { opset: 17 },
    );
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: true, reduceRange: false, exclude: [] };
    // The Softmax's output is the graph's: it stays float, the rest of the chain is quantized.
    const needed = staticRangesNeeded(m, options, undefined);
    expect(needed.sort()).toEqual(['c', 'c2', 'cat', 'm', 's', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    const e = await quantize(m, options, cal.ranges);
    expect(e.outcome.matches).toBe(8);
    const feeds = { x: new ort.Tensor('float32', random(256, 5), [1, 4, 8, 8]) };
    expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(proto, feeds))).toBeGreaterThan(0.99);
  });

  it('an IR version 3 model (every initializer also a graph input) quantizes: its inputs list the new initializers and drop the float weights; onnxruntime runs it', async () => {
    const proto = convReluMatMul();
    proto.irVersion = 3;
    proto.opsetImport = [{ domain: '', version: 13 }];
    const g = proto.graph!;
    g.input = [...g.input!, ...g.initializer!.map((t) => valueInfo(t.name!, t.dataType!, (t.dims ?? []).map(Number)))];
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] as string[] };
    const needed = staticRangesNeeded(m, options, undefined);
    expect(needed.sort()).toEqual(['r', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    const e = await quantize(m, options, cal.ranges);
    expect(e.outcome.matches).toBeGreaterThan(0);
    const out = m.toProto();
    const inits = new Set(out.graph!.initializer!.map((t) => t.name));
    const listed = out.graph!.input!.map((i) => i.name!);
    expect(listed.filter((n) => n !== 'x').sort()).toEqual([...inits].sort());
    expect(inits.has('w')).toBe(false);
    const feeds = { x: new ort.Tensor('float32', random(32, 3), [1, 2, 4, 4]) };
    expect(cosineSimilarity(await run(out, feeds), await run(proto, feeds))).toBeGreaterThan(0.99);
  });

  it('ConvTranspose: per-channel weights along axis 1 (its output channels), bias int32; onnxruntime runs it', async () => {
    const proto = model(
      graph({
        nodes: [node('ConvTranspose', ['x', 'w', 'b'], ['t'], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'up' }), node('Relu', ['t'], ['y'], {}, { name: 'relu' })],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4, 6, 6])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 3, 12, 12])],
        initializers: [tensor('w', ElemType.FLOAT, [4, 3, 2, 2], random(48, 31)), tensor('b', ElemType.FLOAT, [3], [0.1, 0, -0.1])],
      }),
      { opset: 17 },
    );
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: true, reduceRange: false, exclude: [] };
    const needed = staticRangesNeeded(m, options, undefined);
    expect(needed.sort()).toEqual(['t', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    await quantize(m, options, cal.ranges);
    const dq = [...m.graph.nodes].find((n) => n.outputs[0] === 'w_dequantized')!;
    expect(Number(dq.attribute('axis')!.i)).toBe(1);
    expect(m.graph.initializers.get('w_scale')!.dims).toEqual([3]);
    const feeds = { x: new ort.Tensor('float32', random(144, 8), [1, 4, 6, 6]) };
    for (const level of ['disabled', 'all'] as const) expect(cosineSimilarity(await run(m.toProto(), feeds, level), await run(proto, feeds))).toBeGreaterThan(0.99);
  });

  it('a builder-made ResNet-like model, calibrated on generated data, keeps cosine ≥ 0.99', async () => {
    const proto = resnetLike({ widths: [8, 16], blocksPerStage: 1, classes: 10 }, 5);
    const m = new IrModel(proto);
    await applyOperation(m, resolveOperation(defaultOperations(), m, 'preset:default', {}), runtime, 'optimize');
    const folded = m.toProto();
    expect([...m.graph.nodes].some((n) => n.opType === 'BatchNormalization')).toBe(false);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: true, reduceRange: false, exclude: [] };
    const needed = staticRangesNeeded(m, options, undefined);
    const dims = { batch: 1, height: 32, width: 32 };
    const cal = await calibrate(folded, needed, { method: 'minmax', samples: 8, dims });
    expect(cal.samples).toBe(8);
    expect(cal.generated).toBe(true);
    expect([...cal.ranges.keys()].sort()).toEqual([...needed].sort());
    // Percentile ranges lie within the MinMax ones, and are narrower somewhere (outliers cut).
    const pct = await calibrate(folded, needed, { method: 'percentile', samples: 8, dims });
    let narrower = 0;
    for (const [t, r] of pct.ranges) {
      const full = cal.ranges.get(t)!;
      expect(r.min).toBeGreaterThanOrEqual(full.min);
      expect(r.max).toBeLessThanOrEqual(full.max);
      if (r.max < full.max || r.min > full.min) narrower++;
    }
    expect(narrower).toBeGreaterThan(0);
    await quantize(m, options, cal.ranges);
    const counts = new Map<string, number>();
    for (const n of m.graph.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
    expect(counts.get('Relu') ?? 0).toBe(0);
    expect(counts.get('QuantizeLinear')).toBeGreaterThan(5);
    const feeds = { input: new ort.Tensor('float32', random(3 * 32 * 32, 11), [1, 3, 32, 32]) };
    const want = await run(proto, feeds);
    const got = await run(m.toProto(), feeds, 'all');
    expect(cosineSimilarity(got, want)).toBeGreaterThanOrEqual(0.99);
  });
});

describe('constant inputs of Add and Mul (HardSwish: x · clip(x + 3, 0, 6))', () => {
  // x [1,2,4,4] → Conv (2→3) → Add(+3) → Clip(0, 6) → Mul(c, ·) → Mul(·1/6) → Conv (3→2) → y
  function hardSwishConvs(): ModelProto {
    return model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1', 'b1'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv1' }),
          node('Add', ['c', 'three'], ['a'], {}, { name: 'add3' }),
          node('Clip', ['a', 'zero', 'six'], ['r'], {}, { name: 'clip' }),
          node('Mul', ['c', 'r'], ['m'], {}, { name: 'mul' }),
          node('Mul', ['m', 'sixth'], ['h'], {}, { name: 'div6' }),
          node('Conv', ['h', 'w2'], ['y'], { kernel_shape: [1, 1] }, { name: 'conv2' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 4, 4])],
        initializers: [
          tensor('w1', ElemType.FLOAT, [3, 2, 1, 1], [0.5, -1, 0.25, 2, 1, -0.5]),
          tensor('b1', ElemType.FLOAT, [3], [0.1, 0.2, -0.3]),
          tensor('three', ElemType.FLOAT, [], [3]),
          tensor('zero', ElemType.FLOAT, [], [0]),
          tensor('six', ElemType.FLOAT, [], [6]),
          tensor('sixth', ElemType.FLOAT, [], [1 / 6]),
          tensor('w2', ElemType.FLOAT, [2, 3, 1, 1], [1, -0.5, 0.25, 0.75, 0.5, -1]),
        ],
      }),
      { opset: 17 },
    );
  }

  it('quantizes the constants from their own values, and onnxruntime runs every Add/Mul as QLinearAdd/QLinearMul', async () => {
    const proto = hardSwishConvs();
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
    const needed = staticRangesNeeded(m, options, undefined);
    // The constants need no calibration; the Clip folds into the Add's output.
    expect(needed.sort()).toEqual(['c', 'h', 'm', 'r', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    const e = await quantize(m, options, cal.ranges);
    expect(e.outcome.matches).toBe(5);
    // 3 as uint8 over [0, 3]: scale 3/255, zero point 0, value 255.
    const three = [...m.graph.nodes].find((n) => n.opType === 'DequantizeLinear' && n.inputs[0] === 'three_quantized')!;
    expect(Array.from(decodeTensor(m.graph.initializers.get('three_quantized')!, () => undefined) as Uint8Array)).toEqual([255]);
    expect((decodeTensor(m.graph.initializers.get(three.inputs[1]!)!, () => undefined) as Float32Array)[0]).toBeCloseTo(3 / 255, 7);
    expect(m.graph.initializers.has('three')).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'owb-hswish-'));
    try {
      const optimized = join(dir, 'opt.onnx');
      const s = await ort.InferenceSession.create(concatSegments(encodeModel(m.toProto())), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: optimized });
      await s.release();
      const ops = (decodeModel(readFileSync(optimized)).graph!.node ?? []).map((n) => n.opType);
      expect(ops.filter((o) => o === 'QLinearAdd')).toHaveLength(1);
      expect(ops.filter((o) => o === 'QLinearMul')).toHaveLength(2);
      expect(ops).not.toContain('Add');
      expect(ops).not.toContain('Mul');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const feeds = { x: new ort.Tensor('float32', random(32, 7), [1, 2, 4, 4]) };
    expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(proto, feeds))).toBeGreaterThan(0.99);
  });
});

describe('HardSwish between quantized nodes', () => {
  it('is written as HardSigmoid + Mul (its range from the input range), and onnxruntime runs the Mul as QLinearMul', async () => {
    const proto = model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv1' }),
          node('HardSwish', ['c'], ['h'], {}, { name: 'hswish' }),
          node('Conv', ['h', 'w2'], ['y'], { kernel_shape: [1, 1] }, { name: 'conv2' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 4, 4])],
        initializers: [tensor('w1', ElemType.FLOAT, [3, 2, 1, 1], [2, -4, 1, 3, 4, -2]), tensor('w2', ElemType.FLOAT, [2, 3, 1, 1], [1, -0.5, 0.25, 0.75, 0.5, -1])],
      }),
      { opset: 17 },
    );
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
    const needed = staticRangesNeeded(m, options, undefined);
    expect(needed.sort()).toEqual(['c', 'h', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    await quantize(m, options, cal.ranges);
    const ops = [...m.graph.nodes].map((n) => n.opType);
    expect(ops).not.toContain('HardSwish');
    const hs = [...m.graph.nodes].find((n) => n.opType === 'HardSigmoid')!;
    expect(Number(hs.attribute('alpha')!.f)).toBeCloseTo(1 / 6, 6);
    // Its Q/DQ scale spans HardSigmoid over c's calibrated range.
    const c = cal.ranges.get('c')!;
    const hsig = (v: number) => Math.min(1, Math.max(0, v / 6 + 0.5));
    const q = [...m.graph.nodes].find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === hs.outputs[0])!;
    const scale = (decodeTensor(m.graph.initializers.get(q.inputs[1]!)!, () => undefined) as Float32Array)[0]!;
    expect(scale).toBeCloseTo((hsig(c.max) - Math.min(0, hsig(c.min))) / 255, 6);
    const dir = mkdtempSync(join(tmpdir(), 'owb-hswish-'));
    try {
      const optimized = join(dir, 'opt.onnx');
      const s = await ort.InferenceSession.create(concatSegments(encodeModel(m.toProto())), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: optimized });
      await s.release();
      const opt = (decodeModel(readFileSync(optimized)).graph!.node ?? []).map((n) => n.opType);
      expect(opt).toContain('QLinearMul');
      expect(opt).not.toContain('Mul');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const feeds = { x: new ort.Tensor('float32', random(32, 11), [1, 2, 4, 4]) };
    expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(proto, feeds))).toBeGreaterThan(0.99);
  });
});

describe('Add and Mul with no quantized input (as onnxruntime quantizes them)', () => {
  // PP-OCR's pattern: Conv → HardSwish written out (… / 6) → a learned affine (Mul w, Add b) → Conv,
  // and a LayerNorm's variance + eps; an int64 Add of shape arithmetic beside them.
  function affineAfterDiv(): ModelProto {
    return model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv1' }),
          node('Div', ['c', 'six'], ['d'], {}, { name: 'div' }),
          node('Mul', ['d', 'gain'], ['m'], {}, { name: 'mul' }),
          node('Add', ['m', 'bias'], ['a'], {}, { name: 'add' }),
          node('Conv', ['a', 'w2'], ['y'], { kernel_shape: [1, 1] }, { name: 'conv2' }),
          node('ReduceMean', ['x'], ['v'], { axes: [1], keepdims: 1 }, { name: 'variance' }),
          node('Add', ['v', 'eps'], ['ve'], {}, { name: 'add_eps' }),
          node('Sqrt', ['ve'], ['s'], {}, { name: 'sqrt' }),
          node('Shape', ['x'], ['shape'], {}, { name: 'shape' }),
          node('Add', ['shape', 'one'], ['shape1'], {}, { name: 'int_add' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 4, 4]), valueInfo('s', ElemType.FLOAT, [1, 1, 4, 4]), valueInfo('shape1', ElemType.INT64, [4])],
        initializers: [
          tensor('w1', ElemType.FLOAT, [3, 2, 1, 1], [2, -4, 1, 3, 4, -2]),
          tensor('w2', ElemType.FLOAT, [2, 3, 1, 1], [1, -0.5, 0.25, 0.75, 0.5, -1]),
          tensor('six', ElemType.FLOAT, [], [6]),
          tensor('gain', ElemType.FLOAT, [], [1.5]),
          tensor('bias', ElemType.FLOAT, [], [-0.25]),
          tensor('eps', ElemType.FLOAT, [], [1e-5]),
          tensor('one', ElemType.INT64, [], [1]),
        ],
      }),
      { opset: 17 },
    );
  }

  it('quantizes them and their float inputs (a Div output, a ReduceMean output), not integer shape arithmetic; onnxruntime runs QLinearMul/QLinearAdd', async () => {
    const proto = affineAfterDiv();
    const m = new IrModel(proto);
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
    const needed = staticRangesNeeded(m, options, undefined);
    // d (the Div's output, read by the Mul), m, a, and the variance v with v + eps; never shape or shape1.
    expect(needed.sort()).toEqual(['a', 'c', 'd', 'm', 'v', 've', 'x']);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 4, dims: {} });
    const e = await quantize(m, options, cal.ranges);
    expect(e.outcome.matches).toBe(5); // conv1, mul, add, conv2, add_eps
    const intAdd = [...m.graph.nodes].find((n) => n.name === 'int_add')!;
    expect(intAdd.inputs).toEqual(['shape', 'one']);
    const dir = mkdtempSync(join(tmpdir(), 'owb-anyinput-'));
    try {
      const optimized = join(dir, 'opt.onnx');
      const s = await ort.InferenceSession.create(concatSegments(encodeModel(m.toProto())), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: optimized });
      await s.release();
      const ops = (decodeModel(readFileSync(optimized)).graph!.node ?? []).map((n) => n.opType);
      expect(ops.filter((o) => o === 'QLinearMul')).toHaveLength(1);
      expect(ops.filter((o) => o === 'QLinearAdd')).toHaveLength(2);
      expect(ops).not.toContain('Mul');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const feeds = { x: new ort.Tensor('float32', random(32, 13), [1, 2, 4, 4]) };
    expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(proto, feeds))).toBeGreaterThan(0.99);
  });
});

describe('a Conv left in float reading an int8 tensor in an old-opset model', () => {
  // x → conv1 → Add(x) → conv2 → y at opset 9; conv1's output and the Add are quantized.
  function twoConvs(): ModelProto {
    return model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1', 'b1'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv1' }),
          node('Add', ['c', 'x'], ['a'], {}, { name: 'add' }),
          node('Conv', ['a', 'w2', 'b2'], ['y'], { kernel_shape: [1, 1] }, { name: 'conv2' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 4, 4])],
        initializers: [
          tensor('w1', ElemType.FLOAT, [2, 2, 1, 1], [1, -0.5, 0.25, 0.75]),
          tensor('b1', ElemType.FLOAT, [2], [0.1, -0.1]),
          tensor('w2', ElemType.FLOAT, [2, 2, 1, 1], [0.5, 1, -1, 0.5]),
          tensor('b2', ElemType.FLOAT, [2], [0.2, 0.3]),
        ],
      }),
      { opset: 9 },
    );
  }

  it('is raised to opset 11, as onnxruntime quantizes such a Conv itself with Round (opset 11); otherwise to 10; both load with its optimizer on', async () => {
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false };
    for (const [exclude, opset] of [[['conv2'], 11], [[], 10]] as const) {
      const m = new IrModel(twoConvs());
      const needed = staticRangesNeeded(m, { ...options, exclude: [...exclude] }, undefined);
      const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 2, dims: {} });
      await quantize(m, { ...options, exclude }, cal.ranges);
      expect(m.opsetVersion('')).toBe(opset);
      const feeds = { x: new ort.Tensor('float32', random(32, 17), [1, 2, 4, 4]) };
      expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(twoConvs(), feeds))).toBeGreaterThan(0.99);
    }
  });

  it('counts a weight from a Constant node as constant (an unprepared model, `--no-preprocess`): raised to 11 too', async () => {
    // conv2's weight comes from a Constant node: the plan leaves conv2 in float, and onnxruntime quantizes it itself.
    const proto = twoConvs();
    const g = proto.graph!;
    const w2 = g.initializer!.find((t) => t.name === 'w2')!;
    g.initializer = g.initializer!.filter((t) => t !== w2);
    g.node = [node('Constant', [], ['w2'], { value: w2 }, { name: 'w2_constant' }), ...g.node!];
    const options = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
    const m = new IrModel(proto);
    const cal = await calibrate(m.toProto(), staticRangesNeeded(m, options, undefined), { method: 'minmax', samples: 2, dims: {} });
    await quantize(m, options, cal.ranges);
    expect(m.opsetVersion('')).toBe(11);
    const feeds = { x: new ort.Tensor('float32', random(32, 17), [1, 2, 4, 4]) };
    expect(cosineSimilarity(await run(m.toProto(), feeds, 'all'), await run(twoConvs(), feeds))).toBeGreaterThan(0.99);
  });
});
