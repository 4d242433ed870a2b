import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverModel } from '../../electron/prune/recover-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { ensureHostBuilt } from '../profile/fixtures.js';
import { checkPrunedModel, prune, randomFeeds } from './prune-helpers.js';
import { initOf, Toy } from './toy-models.js';

// Recovery in the runtime host. On linear toy models whose pruned channels are linear
// combinations of kept ones, the least-squares refit must give the original outputs back exactly
// (on the fit samples and the held-out ones); bias correction must lower the error.

const host = new RuntimeHost({ idleTimeoutMs: 60_000 });
beforeAll(ensureHostBuilt);
afterAll(() => host.close());

// Columns (or output channels) 2 and 3 of a 4-wide weight as combinations of 0 and 1.
function dependent(base: number[], rows: number, along: 'column' | 'row'): number[] {
  const v = [...base];
  const at = (r: number, c: number) => (along === 'column' ? r * 4 + c : c * rows + r);
  for (let r = 0; r < rows; r++) {
    v[at(r, 2)] = v[at(r, 0)]! + 2 * v[at(r, 1)]!;
    v[at(r, 3)] = -v[at(r, 0)]! + 0.5 * v[at(r, 1)]!;
  }
  return v;
}

async function recoverToy(m: ModelProto, options: Record<string, unknown>, dims: Record<string, number>, ridge: number, op = 'prune-channels') {
  const p = await prune(m, op, options);
  const r = await recoverModel(p.ir, host, { original: m, details: p.effect.outcome.details!, calibration: { dims, samples: 6 }, ridge });
  return { p, r, proto: p.ir.toProto() };
}

describe('least-squares refit', () => {
  it('is exact on a linear MatMul + Add model (the intercept goes into the Add after the MatMul)', async () => {
    const t = new Toy();
    t.w('w1', [6, 4]);
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(dependent([...new Float32Array(t.inits[0]!.rawData!.slice().buffer)], 6, 'column')).buffer) };
    const h = t.op('Add', [t.op('MatMul', ['x', 'w1'], 'mm1'), t.w('b1', [4], [0.5, -1, 3, 7])], 'h');
    t.op('Add', [t.op('MatMul', [h, t.w('w2', [4, 3])], 'mm2'), t.w('b2', [3])], 'y');
    const m = t.model([['x', [5, 6]]], ['y']);
    const { r, proto } = await recoverToy(m, { channels: { mm1: [2, 3] } }, {}, 1e-9);
    expect(r.method).toBe('least-squares');
    expect(r.layers).toEqual([{ node: 'mm2', kind: 'refit', rows: 30, cols: 3, ridge: 1e-9 }]);
    expect(r.errorBefore.relativeL2).toBeGreaterThan(0.1);
    expect(r.errorAfter.relativeL2).toBeLessThan(1e-4);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(1e-4);
    expect(r.heldOutError!.before.relativeL2).toBeGreaterThan(0.1);
    expect(initOf(proto, 'w2').dims).toEqual([2, 3]);
  });

  it('is exact on a linear Conv model: the 3×3, stride 2, padded Conv after the pruned one (im2col rows)', async () => {
    const t = new Toy();
    t.w('c1.w', [4, 3, 1, 1]);
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(dependent([...new Float32Array(t.inits[0]!.rawData!.slice().buffer)], 3, 'row')).buffer) };
    const c1 = t.op('Conv', ['x', 'c1.w'], 'c1', { kernel_shape: [1, 1] });
    t.op('Conv', [c1, t.w('c2.w', [5, 4, 3, 3]), t.w('c2.b', [5])], 'y', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const m = t.model([['x', [1, 3, 7, 7]]], ['y']);
    const { r, proto } = await recoverToy(m, { channels: { c1: [2, 3] } }, {}, 1e-9);
    expect(r.layers[0]).toMatchObject({ node: 'y', kind: 'refit', cols: 2 * 9 + 1 });
    expect(r.errorBefore.relativeL2).toBeGreaterThan(0.1);
    expect(r.errorAfter.relativeL2).toBeLessThan(1e-4);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(1e-4);
    await checkPrunedModel(proto, randomFeeds({ x: [1, 3, 7, 7] }));
  });

  it('is exact on a linear ConvTranspose after the pruned Conv (3×3, stride 2, padded: overlapping taps), without a bias input', async () => {
    const t = new Toy();
    t.w('c1.w', [4, 3, 1, 1]);
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(dependent([...new Float32Array(t.inits[0]!.rawData!.slice().buffer)], 3, 'row')).buffer) };
    const c1 = t.op('Conv', ['x', 'c1.w'], 'c1', { kernel_shape: [1, 1] });
    const up = t.op('ConvTranspose', [c1, t.w('up.w', [4, 5, 3, 3])], 'up', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    t.op('Add', [up, t.w('up.b', [1, 5, 1, 1])], 'y');
    const m = t.model([['x', [1, 3, 5, 5]]], ['y']);
    const { r, proto } = await recoverToy(m, { channels: { c1: [1, 3] } }, {}, 1e-9);
    expect(r.layers[0]).toMatchObject({ node: 'up', kind: 'refit', rows: 6 * 100, cols: 2 * 9 + 1 });
    expect(r.errorBefore.relativeL2).toBeGreaterThan(0.1);
    expect(r.errorAfter.relativeL2).toBeLessThan(1e-4);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(1e-4);
    expect(initOf(proto, 'up.w').dims).toEqual([2, 5, 3, 3]);
    await checkPrunedModel(proto, randomFeeds({ x: [1, 3, 5, 5] }));
  });
});

describe('ridge λ chosen on held-out samples', () => {
  it('picks the smallest λ where the data are exactly linear', async () => {
    const t = new Toy();
    t.w('w1', [6, 4]);
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(dependent([...new Float32Array(t.inits[0]!.rawData!.slice().buffer)], 6, 'column')).buffer) };
    const h = t.op('Add', [t.op('MatMul', ['x', 'w1'], 'mm1'), t.w('b1', [4])], 'h');
    t.op('Add', [t.op('MatMul', [h, t.w('w2', [4, 3])], 'mm2'), t.w('b2', [3])], 'y');
    const m = t.model([['x', [5, 6]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { mm1: [2, 3] } });
    const r = await recoverModel(p.ir, host, { original: m, details: p.effect.outcome.details!, calibration: { dims: {}, samples: 8 } });
    expect(r.layers[0]).toMatchObject({ node: 'mm2', ridge: 1e-4 });
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(1e-2);
    expect(r.heldOutError!.before.relativeL2).toBeGreaterThan(0.1);
  });
});

describe('bias correction after magnitude pruning', () => {
  it('adds a bias to a Conv without one and lowers the output error', async () => {
    const t = new Toy();
    // Inputs shifted away from zero: pruning moves each channel's mean, which the bias puts back.
    const c = t.conv('c', t.op('Add', ['x', t.w('shift', [], [1])], 'xs'), 4, 6, 3, {}, false);
    t.op('Relu', [c], 'y');
    const m = t.model([['x', [1, 4, 6, 6]]], ['y']);
    const { r, proto } = await recoverToy(m, { sparsity: 0.6 }, {}, 0.1, 'prune-magnitude');
    expect(r.method).toBe('bias-correction');
    expect(r.layers).toEqual([{ node: 'c', kind: 'bias' }]);
    expect(proto.graph!.node!.find((n) => n.name === 'c')!.input).toHaveLength(3);
    expect(r.errorAfter.relativeL2).toBeLessThan(r.errorBefore.relativeL2 * 0.9);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(r.heldOutError!.before.relativeL2 * 0.9);
  });
});
