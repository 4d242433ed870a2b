import { describe, expect, it } from 'vitest';
import { ElemType, tensor } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { GroupReport } from '../../shared/operations/prune-channels-operation.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import { bertLike } from '../bench/models/bert-like.js';
import { checkPrunedModel, prune, randomFeeds, runOrt } from './prune-helpers.js';
import { initOf, Toy, zeroSlices } from './toy-models.js';

// Pruning whole attention heads: Q, K and V lose a head's D output columns, the output projection
// its D input rows, and the Reshapes' literal H and H·D shrink. Checked by hand on a small
// attention block (E = 8, H = 4 heads of D = 2) and numerically: the pruned model equals the
// original with the removed heads' rows of the output projection zeroed (their only contribution).

const E = 8;
const H = 4;
const D = 2;
const S = 3;

function ints(t: Toy, name: string, values: number[]): string {
  t.inits.push(tensor(name, ElemType.INT64, [values.length], values.map(BigInt)));
  return name;
}

function scalarInt(t: Toy, name: string, value: number): string {
  t.inits.push(tensor(name, ElemType.INT64, [], [BigInt(value)]));
  return name;
}

interface AttentionOptions {
  /** A constant added to the scores: per head ([1, H, 1, 1]) makes the block unsafe. */
  scoreBias?: number[];
  softmaxAxis?: number;
  /** Literal of the merge Reshape's width (default H·D). */
  mergeWidth?: number;
  /** Scale of head 2's weights (to make it the weakest). */
  weakHead?: number;
}

/**
 * x [1, S, E] → Q, K, V (MatMul + Add) → split into heads three ways (an int64 initializer
 * [0, 0, H, D]; a Concat of Shape → Gather → Unsqueeze parts and literals, as torch exports a
 * view; a Constant node [0, 0, -1, D]) → attention → merge [0, 0, H·D] → output projection.
 */
function attention(o: AttentionOptions = {}): ModelProto {
  const t = new Toy();
  const weak = (name: string, dims: number[], axis: number) => {
    t.w(name, dims);
    if (o.weakHead === undefined) return name;
    const init = t.inits.find((i) => i.name === name)!;
    const v = new Float32Array(initOf({ graph: { initializer: [init] } } as ModelProto, name).values);
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    v.forEach((x, i) => {
      if (Math.floor(Math.floor(i / inner) % dims[axis]! / D) === 2) v[i] = x * o.weakHead!;
    });
    init.rawData = new Uint8Array(v.buffer);
    return name;
  };
  const proj = (p: string) => t.op('Add', [t.op('MatMul', ['x', weak(`${p}.w`, [E, E], 1)], p), weak(`${p}.b`, [E], 0)], `${p}.add`);
  const q = proj('q');
  const k = proj('k');
  const v = proj('v');
  const qs = t.op('Reshape', [q, ints(t, 'q.shape', [0, 0, H, D])], 'q.split');
  const dim = (i: number) => t.op('Unsqueeze', [t.op('Gather', [t.op('Shape', ['x'], `shape${i}`), scalarInt(t, `i${i}`, i)], `g${i}`, { axis: 0 }), ints(t, `u${i}`, [0])], `d${i}`);
  const kshape = t.op('Concat', [dim(0), dim(1), ints(t, 'k.h', [H]), ints(t, 'k.d', [D])], 'k.shape', { axis: 0 });
  const ks = t.op('Reshape', [k, kshape], 'k.split');
  t.nodes.push({ opType: 'Constant', input: [], output: ['v.shape'], name: 'v.shape', attribute: [{ name: 'value', type: 4, t: tensor('', ElemType.INT64, [4], [0n, 0n, -1n, BigInt(D)]) }] });
  const vs = t.op('Reshape', [v, 'v.shape'], 'v.split');
  const qh = t.op('Transpose', [qs], 'qh', { perm: [0, 2, 1, 3] });
  const kt = t.op('Transpose', [ks], 'kt', { perm: [0, 2, 3, 1] });
  const vh = t.op('Transpose', [vs], 'vh', { perm: [0, 2, 1, 3] });
  let scores = t.op('Mul', [t.op('MatMul', [qh, kt], 'qk'), t.w('scale', [], [1 / Math.sqrt(D)])], 'scaled');
  if (o.scoreBias) scores = t.op('Add', [scores, t.w('score.bias', [1, o.scoreBias.length, 1, 1], o.scoreBias)], 'biased');
  const probs = t.op('Softmax', [scores], 'probs', { axis: o.softmaxAxis ?? -1 });
  const ctx = t.op('Transpose', [t.op('MatMul', [probs, vh], 'ctx')], 'ctx.t', { perm: [0, 2, 1, 3] });
  const merged = t.op('Reshape', [ctx, ints(t, 'merge.shape', [0, 0, o.mergeWidth ?? H * D])], 'merged');
  t.op('Add', [t.op('MatMul', [merged, weak('o.w', [E, E], 0)], 'o'), t.w('o.b', [E])], 'y');
  return t.model([['x', [1, S, E]]], ['y']);
}

const intsOf = (m: ModelProto, name: string) => {
  const t = m.graph!.initializer!.find((i) => i.name === name)!;
  return [...new BigInt64Array(t.rawData!.slice().buffer)].map(Number);
};

const headCols = (heads: number[]) => heads.flatMap((h) => [...Array(D).keys()].map((j) => h * D + j));

describe('prune-channels prunes attention heads', () => {
  it('removes chosen heads from Q, K, V, the output projection and the Reshapes; equals the original without those heads', async () => {
    const m = attention();
    const p = await prune(m, 'prune-channels', { channels: { q: [1, 3] } });
    const groups = p.effect.outcome.details!.groups as GroupReport[];
    const g = groups.find((x) => x.sources.includes('q'))!;
    expect(g.sources.sort()).toEqual(['k', 'q', 'v']);
    expect([g.size, g.headSize]).toEqual([H, D]);
    expect(p.effect.outcome.summary).toMatch(/^4 of 8 channels removed \(2 of 4 attention heads\)/);
    expect(g.consumers.map((c) => c.node)).toEqual(['o']);
    const keep = headCols([0, 2]);
    for (const n of ['q', 'k', 'v']) {
      const w = initOf(m, `${n}.w`);
      expect(initOf(p.proto, `${n}.w`).dims).toEqual([E, 4]);
      expect(initOf(p.proto, `${n}.w`).values).toEqual(w.values.filter((_, i) => keep.includes(i % E)));
      expect(initOf(p.proto, `${n}.b`).values).toEqual(initOf(m, `${n}.b`).values.filter((_, i) => keep.includes(i)));
    }
    expect(initOf(p.proto, 'o.w').dims).toEqual([4, E]);
    expect(initOf(p.proto, 'o.w').values).toEqual(initOf(m, 'o.w').values.filter((_, i) => keep.includes(Math.floor(i / E))));
    // H in the split shapes (initializer, Concat part; the Constant's -1 stays), H·D in the merge.
    expect(intsOf(p.proto, 'q.shape')).toEqual([0, 0, 2, D]);
    expect(intsOf(p.proto, 'k.h')).toEqual([2]);
    expect(intsOf(p.proto, 'merge.shape')).toEqual([0, 0, 4]);
    const feeds = randomFeeds({ x: [1, S, E] });
    const got = await checkPrunedModel(p.proto, feeds);
    const want = await runOrt(zeroSlices(m, 'o.w', 0, headCols([1, 3])), feeds);
    const full = await runOrt(m, feeds);
    got.y!.data.forEach((x, i) => expect(x).toBeCloseTo(want.y!.data[i]!, 5));
    expect(got.y!.data.some((x, i) => Math.abs(x - full.y!.data[i]!) > 1e-3)).toBe(true);
  });

  it('ranks heads by the norms of their Q, K, V and output weights', async () => {
    const p = await prune(attention({ weakHead: 0.01 }), 'prune-channels', { sparsity: 0.25, criterion: 'l2' });
    const g = (p.effect.outcome.details!.groups as GroupReport[]).find((x) => x.sources.includes('q'))!;
    expect(g.removed).toEqual([2]);
    expect(g.norms[2]).toBeLessThan(Math.min(g.norms[0]!, g.norms[1]!, g.norms[3]!) / 10);
  });

  it('refuses, naming the node, where the pattern is not clear', async () => {
    await expect(prune(attention({ scoreBias: [0.1, 0.2, 0.3, 0.4] }), 'prune-channels', { channels: { q: [0] } })).rejects.toThrow(/biased: its constant operand 'score.bias' differs per head/);
    await expect(prune(attention({ softmaxAxis: 1 }), 'prune-channels', { channels: { q: [0] } })).rejects.toThrow(/probs: Softmax over the head axis/);
    await expect(prune(attention({ mergeWidth: 2 * H * D }), 'prune-channels', { channels: { q: [0] } })).rejects.toThrow(/merged: /);
  });

  it('halves the heads and MLP of the BERT-style model; it runs and shape inference agrees', async () => {
    const m = bertLike();
    const p = await prune(m, 'prune-channels', { sparsity: 0.5 });
    const heads = (p.effect.outcome.details!.groups as GroupReport[]).filter((g) => g.sources.some((s) => s.endsWith('query/MatMul')));
    expect(heads).toHaveLength(4);
    for (const g of heads) expect([g.size, g.removed.length, g.unsafe]).toEqual([4, 2, undefined]);
    expect(initOf(p.proto, 'encoder.layer.0.attention.self.key.weight').dims).toEqual([128, 64]);
    expect(initOf(p.proto, 'encoder.layer.0.attention.output.dense.weight').dims).toEqual([64, 128]);
    const params = (x: ModelProto) => summarizeModel(new IrModel(x)).parameterCount;
    expect(params(p.proto) / params(m)).toBeLessThan(0.62);
    const ids = new BigInt64Array(2 * 7).map((_, i) => BigInt((i * 37) % 1000));
    const ort = await import('onnxruntime-node');
    const feeds = { input_ids: new ort.Tensor('int64', ids, [2, 7]), attention_mask: new ort.Tensor('int64', new BigInt64Array(14).fill(1n), [2, 7]) };
    const out = await checkPrunedModel(p.proto, feeds);
    expect(out.last_hidden_state!.dims).toEqual([2, 7, 128]);
  });
});
