import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverModel } from '../../electron/prune/recover-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { ElemType, graph, model, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { GroupReport } from '../../shared/operations/prune-channels-operation.js';
import { bertLike } from '../bench/models/bert-like.js';
import { ensureHostBuilt } from '../profile/fixtures.js';
import { checkPrunedModel, prune } from './prune-helpers.js';
import { initOf, Toy } from './toy-models.js';

// The residual stream (hidden size) as a group (`hidden`): embedding tables, the layers writing the
// stream and those reading it, LayerNorm's scale and bias, and a graph output kept at its width by a
// restoring MatMul. Not function-preserving (LayerNorm's statistics are over the kept channels), so
// the small model is checked against its result computed by hand from the kept channels.

const V = 5;
const E = 6;
const F = 4;
const S = 3;
const C = 2;

interface StreamOptions {
  /** A Reshape of the stream to [-1, E] (a hard-coded hidden size). */
  flatten?: boolean;
}

/**
 * ids [1, S] → tok[ids] + pos[0..S) → LayerNorm decomposed (ReduceMean …) → n1;
 * n1 + (Relu(n1·W1 + c1)·W2 + c2) → LayerNormalization → h (a graph output);
 * logits = h[:, 0]·Wh (a Gather along the sequence, then the output head).
 */
function stream(o: StreamOptions = {}): ModelProto {
  const t = new Toy();
  t.inits.push(tensor('pids', ElemType.INT64, [S], [0n, 1n, 2n]));
  t.inits.push(tensor('axes', ElemType.INT64, [1], [-1n]));
  t.inits.push(tensor('zero', ElemType.INT64, [], [0n]));
  const x = t.op('Add', [t.op('Gather', [t.w('tok', [V, E]), 'ids'], 'tok.gather', { axis: 0 }), t.op('Gather', [t.w('pos', [S, E]), 'pids'], 'pos.gather', { axis: 0 })], 'x');
  const mean = t.op('ReduceMean', [x], 'ln1.mean', { axes: [-1], keepdims: 1 });
  const diff = t.op('Sub', [x, mean], 'ln1.diff');
  const variance = t.op('ReduceMean', [t.op('Pow', [diff, t.w('two', [], [2])], 'ln1.sq')], 'ln1.var', { axes: [-1], keepdims: 1 });
  const std = t.op('Sqrt', [t.op('Add', [variance, t.w('eps', [], [1e-5])], 'ln1.veps')], 'ln1.std');
  const n1 = t.op('Add', [t.op('Mul', [t.op('Div', [diff, std], 'ln1.norm'), t.w('g1', [E])], 'ln1.scaled'), t.w('b1', [E])], 'n1');
  const up = t.op('Relu', [t.op('Add', [t.op('MatMul', [n1, t.w('W1', [E, F])], 'up'), t.w('c1', [F])], 'up.add')], 'up.relu');
  const down = t.op('Add', [t.op('MatMul', [up, t.w('W2', [F, E])], 'down'), t.w('c2', [E])], 'down.add');
  t.op('LayerNormalization', [t.op('Add', [n1, down], 'res'), t.w('g2', [E]), t.w('b2', [E])], 'h', { axis: -1, epsilon: 1e-5 });
  t.op('MatMul', [t.op('Gather', ['h', 'zero'], 'first', { axis: 1 }), t.w('Wh', [E, C])], 'logits');
  const outputs = [valueInfo('h', ElemType.FLOAT, [1, S, E]), valueInfo('logits', ElemType.FLOAT, [1, C])];
  if (o.flatten) {
    t.inits.push(tensor('flat.shape', ElemType.INT64, [2], [-1n, BigInt(E)]));
    t.op('Reshape', ['h', 'flat.shape'], 'flat');
    outputs.push(valueInfo('flat', ElemType.FLOAT, [S, E]));
  }
  return model(graph({ name: 'stream', nodes: t.nodes, inputs: [valueInfo('ids', ElemType.INT64, [1, S])], outputs, initializers: t.inits }), { opset: 17 });
}

const IDS = [3, 0, 4];
const idFeeds = () => ({ ids: new ort.Tensor('int64', BigInt64Array.from(IDS.map(BigInt)), [1, S]) });

// The pruned model's meaning, by hand: every step on the kept channels only.
function byHand(m: ModelProto, kept: number[]): { h: number[][]; logits: number[] } {
  const w = (name: string) => initOf(m, name).values;
  const [tok, pos, g1, b1, W1, c1, W2, c2, g2, b2, Wh] = ['tok', 'pos', 'g1', 'b1', 'W1', 'c1', 'W2', 'c2', 'g2', 'b2', 'Wh'].map(w) as number[][];
  const ln = (v: number[], g: number[], b: number[]) => {
    const mu = v.reduce((a, x) => a + x, 0) / v.length;
    const va = v.reduce((a, x) => a + (x - mu) ** 2, 0) / v.length;
    return v.map((x, i) => ((x - mu) / Math.sqrt(va + 1e-5)) * g[kept[i]!]! + b[kept[i]!]!);
  };
  const h = IDS.map((id, s) => {
    const n1 = ln(kept.map((c) => tok![id * E + c]! + pos![s * E + c]!), g1!, b1!);
    const u = [...Array(F).keys()].map((f) => Math.max(0, kept.reduce((a, c, i) => a + n1[i]! * W1![c * F + f]!, c1![f]!)));
    const res = kept.map((c, i) => n1[i]! + u.reduce((a, x, f) => a + x * W2![f * E + c]!, c2![c]!));
    return ln(res, g2!, b2!);
  });
  const logits = [...Array(C).keys()].map((k) => kept.reduce((a, c, i) => a + h[0]![i]! * Wh![c * C + k]!, 0));
  return { h, logits };
}

describe('prune-channels with hidden: the residual stream', () => {
  it('finds the stream: embedding tables, the layer writing it and LayerNorm as parts, the layers reading it as consumers', async () => {
    const p = await prune(stream(), 'prune-channels', { hidden: true, channels: { 'tok.gather': [1, 4] } });
    const [g] = p.effect.outcome.details!.groups as GroupReport[];
    expect(g!.sources.sort()).toEqual(['down', 'pos.gather', 'tok.gather']);
    expect(g!.consumers.map((c) => c.node)).toEqual(['up', 'logits', 'h/restore']);
    expect(['h', 'ln1.mean']).toContain(g!.normalizedBy);
    expect(g!.restores).toEqual(['h']);
    expect(p.effect.outcome.summary).toMatch(/hidden size 6 → 4 .*not function-preserving: (h|ln1.mean) normalizes over them; h kept at full width by a restoring MatMul/);
    const dims = Object.fromEntries(['tok', 'pos', 'g1', 'b1', 'W1', 'W2', 'c2', 'g2', 'b2', 'Wh', 'h/pruned.restore'].map((n) => [n, initOf(p.proto, n).dims]));
    expect(dims).toEqual({ tok: [V, 4], pos: [S, 4], g1: [4], b1: [4], W1: [4, F], W2: [F, 4], c2: [4], g2: [4], b2: [4], Wh: [4, C], 'h/pruned.restore': [4, E] });
  });

  it('computes what the kept channels give by hand; h keeps its width (removed channels zero until a refit); onnxruntime and shape inference agree', async () => {
    const m = stream();
    const p = await prune(m, 'prune-channels', { hidden: true, channels: { 'tok.gather': [1, 4] } });
    const out = await checkPrunedModel(p.proto, idFeeds());
    const want = byHand(m, [0, 2, 3, 5]);
    expect(out.h!.dims).toEqual([1, S, E]);
    [...out.logits!.data].forEach((x, i) => expect(x).toBeCloseTo(want.logits[i]!, 4));
    for (let s = 0; s < S; s++) {
      const row = [...out.h!.data.slice(s * E, (s + 1) * E)];
      expect(row[1]).toBe(0);
      expect(row[4]).toBe(0);
      [0, 2, 3, 5].forEach((c, i) => expect(row[c]).toBeCloseTo(want.h[s]![i]!, 4));
    }
  });

  it('leaves the stream alone without hidden (LayerNorm over the channels stops it), and refuses a hard-coded hidden size naming the node', async () => {
    await expect(prune(stream(), 'prune-channels', { channels: { down: [1] } })).rejects.toThrow(/cannot prune down: h: LayerNormalization consumes 'res'/);
    await expect(prune(stream({ flatten: true }), 'prune-channels', { hidden: true, channels: { down: [1] } })).rejects.toThrow(/cannot prune .*: flat: Reshape other than flattening/);
  });
});

describe('hidden on the BERT-style model', () => {
  const host = new RuntimeHost({ idleTimeoutMs: 60_000 });
  beforeAll(ensureHostBuilt);
  afterAll(() => host.close());
  const feeds = () => ({
    input_ids: new ort.Tensor('int64', new BigInt64Array(2 * 7).map((_, i) => BigInt((i * 37) % 1000)), [2, 7]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(14).fill(1n), [2, 7]),
  });

  it('sparsity 0.5 removes half the parameters (heads, FFN and hidden channels alike); it runs, shapes agree, outputs keep their width; a refit lowers the held-out error', async () => {
    const m = bertLike();
    const p = await prune(m, 'prune-channels', { sparsity: 0.5, hidden: true });
    const groups = p.effect.outcome.details!.groups as GroupReport[];
    const hidden = groups.find((g) => g.normalizedBy)!;
    expect(hidden.sources).toEqual(expect.arrayContaining(['encoder.layer.0.attention.output.dense/MatMul', 'encoder.layer.3.output.dense/MatMul']));
    expect(hidden.sources.filter((s) => !s.includes('/MatMul'))).toHaveLength(3);
    expect(hidden.consumers.map((c) => c.node)).toEqual(expect.arrayContaining(['encoder.layer.2.attention.self.query/MatMul', 'pooler.dense/MatMul', 'last_hidden_state/restore']));
    expect(groups.filter((g) => g.unsafe).map((g) => g.sources)).toEqual([['pooler.dense/MatMul']]);
    const params = (x: ModelProto) => summarizeModel(new IrModel(x)).parameterCount;
    const ratio = params(p.proto) / params(m);
    expect(ratio).toBeLessThanOrEqual(0.52);
    expect(ratio).toBeGreaterThan(0.45);
    const kept = 128 - hidden.removed.length;
    expect(initOf(p.proto, 'embeddings.word_embeddings.weight').dims).toEqual([1000, kept]);
    const out = await checkPrunedModel(p.proto, feeds());
    expect(out.last_hidden_state!.dims).toEqual([2, 7, 128]);
    expect(out.pooler_output!.dims).toEqual([2, 128]);
    const r = await recoverModel(p.ir, host, { original: m, details: p.effect.outcome.details!, calibration: { dims: { batch: 1, seq: 16 }, samples: 12 } });
    expect(r.layers.filter((l) => l.skipped)).toEqual([]);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(r.heldOutError!.before.relativeL2);
    await checkPrunedModel(p.ir.toProto(), feeds());
  });
});
