// The default preset (portable) on the ConvNeXt- and ViT-like models bench:optimize measures,
// written small: what torch's exporters leave there (weights transposed in the graph and over the
// fold size limit, zero biases, layer scales after a Linear, LayerNorms over the channel axis
// written out) is gone, and outputs still match
// onnxruntime's on the original at two input sizes (dynamic dims stay dynamic).

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { pickPasses, runPasses } from '../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import { convnextLike } from '../bench/models/convnext-like.js';
import { vitLike } from '../bench/models/vit-like.js';
import { ortOutputs, randoms, TOLERANCE } from './fusion/fusion-harness.js';

const evaluator = new OrtConstantEvaluator();
// Small enough that the pointwise weights of these small models are over it.
const FOLD_LIMIT = 4096;

const image = (dims: number[], seed: number) => new ort.Tensor('float32', Float32Array.from(randoms(seed, dims.reduce((a, b) => a * b, 1))), dims);

async function optimize(proto: ModelProto): Promise<{ model: IrModel; fired: Map<string, number> }> {
  const model = new IrModel(proto);
  const r = await runPasses(model, pickPasses(ALL_PASSES, PRESETS.default!), { target: 'portable', evaluator, inferTypes, foldSizeLimit: FOLD_LIMIT });
  return { model, fired: new Map(r.passes.map((p) => [p.name, p.matches])) };
}

async function expectSameOutputs(original: ModelProto, optimized: IrModel, feeds: Record<string, ort.Tensor>): Promise<void> {
  const want = await ortOutputs(original, feeds);
  const got = await ortOutputs(optimized, feeds);
  for (const [name, w] of Object.entries(want)) {
    expect(got[name]!.dims).toEqual(w.dims);
    const a = got[name]!.data as Float32Array;
    const b = w.data as Float32Array;
    for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!), `${name}[${i}]`).toBeLessThanOrEqual(TOLERANCE.atol + TOLERANCE.rtol * Math.abs(b[i]!));
  }
}

/** Nodes left that exporters' leftovers would show in: a Transpose of a weight, a MatMul times a weight. */
function leftovers(m: IrModel): string[] {
  const g = m.graph;
  const out: string[] = [];
  for (const n of g.nodes) {
    if (n.opType === 'Transpose' && g.initializers.has(n.inputs[0]!)) out.push(`Transpose of weight ${n.inputs[0]}`);
    const readsMatMul = n.inputs.some((v) => g.producer(v)?.opType === 'MatMul');
    if (n.opType === 'Mul' && readsMatMul && n.inputs.some((v) => g.initializers.has(v))) out.push(`scale after MatMul ${n.name}`);
  }
  return out;
}

const count = (m: IrModel, op: string) => [...m.graph.nodes].filter((n) => n.opType === op).length;

describe('the default preset on ConvNeXt- and ViT-like exports', () => {
  it('ConvNeXt-like: weight Transposes fold over the limit, zero biases go, layer scales fold into the Linears; outputs match', async () => {
    const shape = { dims: [8, 16, 24, 32], depths: [1, 1, 2, 1], classes: 10, decomposed: false, linearBias: 0 };
    const blocks = shape.depths.reduce((a, b) => a + b, 0);
    const proto = convnextLike(shape);
    const { model, fired } = await optimize(proto);
    expect(leftovers(model)).toEqual([]);
    expect(fired.get('arithmetic-identity-elimination')).toBe(2 * blocks);
    expect(fired.get('fuse-matmul-scale')).toBe(blocks);
    // The channels-first LayerNorms (stem and three downsamplings) become LayerNormalization
    // between two Transposes; those and the two around each block's channels-last part are left.
    expect(count(model, 'ReduceMean')).toBe(1); // the head's mean over H and W
    expect(count(model, 'LayerNormalization')).toBe(blocks + 4 + 1);
    expect(count(model, 'Transpose')).toBe(2 * blocks + 2 * 4);
    await expectSameOutputs(proto, model, { input: image([1, 3, 64, 64], 1) });
    await expectSameOutputs(proto, model, { input: image([2, 3, 40, 56], 2) });
  });

  it('ConvNeXt-like with biases and the LayerNorm written out: the biases stay, the scales fold into them too', async () => {
    const shape = { dims: [8, 16, 24, 32], depths: [1, 1, 1, 1], classes: 10, decomposed: true };
    const proto = convnextLike(shape);
    const { model, fired } = await optimize(proto);
    expect(leftovers(model)).toEqual([]);
    expect(fired.get('arithmetic-identity-elimination') ?? 0).toBe(0);
    expect(fired.get('fuse-matmul-scale')).toBe(4);
    expect(fired.get('fuse-layernorm')).toBeGreaterThanOrEqual(5);
    await expectSameOutputs(proto, model, { input: image([2, 3, 48, 48], 3) });
  });

  it('ConvNeXt-like as torchvision writes it: the layer scale after the permute back folds into the Linear too', async () => {
    const shape = { dims: [8, 16, 24, 32], depths: [1, 1, 2, 1], classes: 10, decomposed: false, torchvision: true };
    const blocks = shape.depths.reduce((a, b) => a + b, 0);
    const proto = convnextLike(shape);
    const { model, fired } = await optimize(proto);
    expect(fired.get('fuse-matmul-scale')).toBe(blocks);
    expect([...model.graph.nodes].filter((n) => n.opType === 'Mul' && n.inputs.some((v) => v.endsWith('layer_scale')))).toEqual([]);
    await expectSameOutputs(proto, model, { input: image([2, 3, 48, 64], 6) });
  });

  it('ViT-like: weight Transposes fold over the limit; outputs match at two batch sizes', async () => {
    const shape = { image: 32, patch: 8, hidden: 48, heads: 4, layers: 2, classes: 10 };
    const proto = vitLike(shape);
    const { model } = await optimize(proto);
    expect(leftovers(model)).toEqual([]);
    // Per layer the three heads splits, the keys' extra transpose merged into theirs, the context merge; plus the patches'.
    expect(count(model, 'Transpose')).toBe(4 * shape.layers + 1);
    await expectSameOutputs(proto, model, { pixel_values: image([1, 3, 32, 32], 4) });
    await expectSameOutputs(proto, model, { pixel_values: image([3, 3, 32, 32], 5) });
  });
});
