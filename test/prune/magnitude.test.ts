import { describe, expect, it } from 'vitest';
import type { LayerSparsity } from '../../shared/operations/prune-magnitude-operation.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { checkPrunedModel, prune, randomFeeds } from './prune-helpers.js';
import { initOf, Toy } from './toy-models.js';

// Unstructured and 2:4 magnitude pruning: which weights become zero, the sparsity reported per layer.

function twoLayers() {
  const t = new Toy();
  const c = t.conv('c', 'x', 4, 8);
  const f = t.op('Flatten', [t.op('GlobalAveragePool', [c], 'gap')], 'f', { axis: 1 });
  t.op('MatMul', [f, t.w('fc', [8, 6])], 'y');
  return t.model([['x', [1, 4, 5, 5]]], ['y']);
}

const zeros = (v: number[]) => v.filter((x) => x === 0).length;

describe('prune-magnitude', () => {
  it('per layer: exactly round(s·n) of the smallest |w| of each layer become zero', async () => {
    const m = twoLayers();
    const p = await prune(m, 'prune-magnitude', { sparsity: 0.3 });
    const before = initOf(m, 'c.w').values;
    const after = initOf(p.proto, 'c.w').values;
    expect(zeros(after)).toBe(Math.round(0.3 * before.length));
    const cut = Math.max(...before.filter((_, i) => after[i] === 0).map(Math.abs));
    expect(before.filter((_, i) => after[i] !== 0).every((x) => Math.abs(x) >= cut)).toBe(true);
    after.forEach((x, i) => x !== 0 && expect(x).toBe(before[i]));
    const report = p.effect.outcome.details!.sparsityByLayer as LayerSparsity[];
    expect(report.map((r) => [r.node, r.elements, r.zeros])).toEqual([
      ['c', 288, 86],
      ['y', 48, 14],
    ]);
  });

  it('global threshold: one |w| cut over all layers, so layers end up at different sparsities', async () => {
    const t = new Toy();
    const c = t.conv('c', 'x', 2, 2, 1, {}, false);
    t.op('MatMul', [t.op('Flatten', [c], 'f', { axis: 1 }), t.w('fc', [2, 2], [10, 20, 30, 40])], 'y');
    // c.w's 4 values are all below 1: half of all 8 weights are exactly c's.
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(new Float32Array([0.1, -0.2, 0.3, 0.4]).buffer) };
    const m = t.model([['x', [1, 2, 1, 1]]], ['y']);
    const p = await prune(m, 'prune-magnitude', { sparsity: 0.5, threshold: 'global' });
    const report = p.effect.outcome.details!.sparsityByLayer as LayerSparsity[];
    expect(report.map((r) => r.sparsity)).toEqual([1, 0]);
    expect(initOf(p.proto, 'fc').values).toEqual([10, 20, 30, 40]);
  });

  it('2:4: in every 4 consecutive input channels of each output channel and position, 2 are zero', async () => {
    const m = twoLayers();
    const p = await prune(m, 'prune-magnitude', { pattern: '2:4' });
    const { dims, values } = initOf(p.proto, 'c.w');
    const before = initOf(m, 'c.w').values;
    const [co, ci, kh, kw] = dims as [number, number, number, number];
    for (let o = 0; o < co; o++) {
      for (let k = 0; k < kh * kw; k++) {
        const at = (c: number) => (o * ci + c) * kh * kw + k;
        const group = [0, 1, 2, 3].map(at);
        expect(group.filter((i) => values[i] === 0)).toHaveLength(2);
        const kept = Math.min(...group.filter((i) => values[i] !== 0).map((i) => Math.abs(before[i]!)));
        expect(group.filter((i) => values[i] === 0).every((i) => Math.abs(before[i]!) <= kept)).toBe(true);
      }
    }
    const fc = initOf(p.proto, 'fc');
    for (let n = 0; n < 6; n++) for (let g = 0; g < 8; g += 4) expect([0, 1, 2, 3].filter((j) => fc.values[(g + j) * 6 + n] === 0)).toHaveLength(2);
  });

  it('2:4 skips a layer whose input channels are not a multiple of 4, and says so', async () => {
    const t = new Toy();
    t.conv('y', 'x', 3, 4);
    const p = await prune(t.model([['x', [1, 3, 4, 4]]], ['y']), 'prune-magnitude', { pattern: '2:4' }).catch((e: Error) => e);
    expect(String(p)).toMatch(/changes nothing/);
  });

  it('the pruned ResNet-style model runs in onnxruntime with the same shapes; 80% per layer', async () => {
    const p = await prune(resnetLike(), 'prune-magnitude', { sparsity: 0.8 });
    for (const r of p.effect.outcome.details!.sparsityByLayer as LayerSparsity[]) expect(Math.abs(r.sparsity - 0.8)).toBeLessThan(1 / r.elements + 1e-9);
    await checkPrunedModel(p.proto, randomFeeds({ input: [1, 3, 32, 32] }));
  });
});
