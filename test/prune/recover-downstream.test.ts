import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRecovery } from '../../electron/prune/refit-plan.js';
import { recoverModel } from '../../electron/prune/recover-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { refitDepthwise } from '../../shared/prune/refit-depthwise.js';
import { ensureHostBuilt } from '../profile/fixtures.js';
import { checkPrunedModel, prune, randomFeeds, relError, runOrt } from './prune-helpers.js';
import { initOf, Toy } from './toy-models.js';

// Recovery beyond the consumers of pruned groups: every weighted layer whose input differs from the
// original's is refitted (a Conv downstream of the consumer, a depthwise Conv channel by channel),
// and layers whose inputs are unchanged are left alone.

const host = new RuntimeHost({ idleTimeoutMs: 60_000 });
beforeAll(ensureHostBuilt);
afterAll(() => host.close());

// Output channels `to` of a 1×1 Conv weight [cout, cin] made linear combinations of channels 0 and 1.
function dependentRows(values: number[], cin: number, to: number[]): number[] {
  const v = [...values];
  for (const [i, c] of to.entries()) for (let k = 0; k < cin; k++) v[c * cin + k] = (i + 1) * v[k]! - 0.5 * v[cin + k]!;
  return v;
}

const weights = (m: ModelProto, name: string) => m.graph!.initializer!.find((i) => i.name === name)!;

describe('refit plan', () => {
  it('refits the consumer and a Conv downstream of it, not the layers before the change; the downstream refit lowers the error', async () => {
    const t = new Toy();
    const c0 = t.op('Relu', [t.conv('c0', 'x', 3, 4)], 'r0');
    const c1 = t.op('Relu', [t.conv('c1', c0, 4, 6, 1)], 'r1');
    // The consumer pads with auto_pad, which the refit does not handle: it stays as pruned, and only the layer after it,
    // which also reads the input itself, can make up for the pruned channels.
    const c2 = t.op('Relu', [t.op('Conv', [c1, t.w('c2.w', [5, 6, 3, 3]), t.w('c2.b', [5])], 'c2', { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' })], 'r2');
    t.conv('y', t.op('Concat', [c2, 'x'], 'cat', { axis: 1 }), 8, 2, 1);
    const m = t.model([['x', [1, 3, 8, 8]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { c1: [1, 3, 5] } });
    expect(planRecovery(p.ir, p.effect.outcome.details!).map((s) => [s.node.name, s.kind])).toEqual([['c2', 'refit'], ['y', 'refit']]);
    const pruned = p.ir.toProto();
    const r = await recoverModel(p.ir, host, { original: m, details: p.effect.outcome.details!, calibration: { dims: {}, samples: 24 } });
    expect(r.layers.map((l) => [l.node, l.kind, !!l.skipped])).toEqual([['c2', 'refit', true], ['y', 'refit', false]]);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(r.heldOutError!.before.relativeL2 * 0.8);
    // The recovered model against the same with the last Conv as it was before recovery, on inputs neither saw.
    const recovered = p.ir.toProto();
    const reverted: ModelProto = structuredClone(recovered);
    reverted.graph!.initializer = reverted.graph!.initializer!.map((i) => (i.name === 'y.w' || i.name === 'y.b' ? weights(pruned, i.name!) : i));
    let withRefit = 0;
    let without = 0;
    for (const seed of [91, 92, 93, 94]) {
      const feeds = randomFeeds({ x: [1, 3, 8, 8] }, seed);
      const want = (await runOrt(m, feeds)).y!.data;
      withRefit += relError(want, (await checkPrunedModel(recovered, feeds)).y!.data);
      without += relError(want, (await runOrt(reverted, feeds)).y!.data);
    }
    expect(withRefit).toBeLessThan(without * 0.8);
  });

  it('refits a depthwise Conv whose input changed toward its kept channels of the original, exactly on a linear model', async () => {
    const t = new Toy();
    t.conv('c0', 'x', 3, 6, 1);
    t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(dependentRows([...new Float32Array(t.inits[0]!.rawData!.slice().buffer)], 3, [4, 5])).buffer) };
    t.conv('c1', 'c0', 6, 6, 1);
    t.conv('dw', 'c1', 1, 6, 1, { group: 6, strides: [2, 2] });
    t.conv('y', 'dw', 6, 2, 1);
    const m = t.model([['x', [1, 3, 9, 9]]], ['y']);
    // c0's removed channels are combinations of its kept ones (c1's refit is exact); c1's channels 1 and 4 go, and with them dw's.
    const p = await prune(m, 'prune-channels', { channels: { c0: [4, 5], c1: [1, 4] } });
    const plan = planRecovery(p.ir, p.effect.outcome.details!);
    expect(plan.map((s) => [s.node.name, s.kind, s.keptOut])).toEqual([['c1', 'refit', [0, 2, 3, 5]], ['dw', 'depthwise', [0, 2, 3, 5]], ['y', 'refit', undefined]]);
    const r = await recoverModel(p.ir, host, { original: m, details: p.effect.outcome.details!, calibration: { dims: {}, samples: 6 }, ridge: 1e-9 });
    expect(r.layers.map((l) => [l.node, l.cols])).toEqual([['c1', 5], ['dw', 2], ['y', 5]]);
    expect(r.heldOutError!.before.relativeL2).toBeGreaterThan(0.1);
    expect(r.errorAfter.relativeL2).toBeLessThan(1e-4);
    expect(r.heldOutError!.after.relativeL2).toBeLessThan(1e-4);
    await checkPrunedModel(p.ir.toProto(), randomFeeds({ x: [1, 3, 9, 9] }));
  });
});

describe('depthwise refit', () => {
  it('recovers each channel’s taps and bias exactly on a linear toy (stride 2, dilation 2, pads), with kept channels', async () => {
    // The target: a depthwise Conv of 5 channels; the layer to fit: 3 of them (0, 2, 4), started from other weights.
    const attrs = { group: 5, strides: [2, 2], dilations: [2, 2], pads: [2, 1, 2, 1] };
    const truth = new Toy();
    truth.conv('dw', 'x', 1, 5, 3, attrs);
    const tm = truth.model([['x', [2, 5, 11, 10]]], ['dw']);
    const feeds = randomFeeds({ x: [2, 5, 11, 10] }, 3);
    const out = (await runOrt(tm, feeds)).dw!;
    const x = feeds.x!;
    const keep = [0, 2, 4];
    const [n, , h, w] = x.dims as number[];
    const input = new Float32Array(n! * keep.length * h! * w!);
    for (let b = 0; b < n!; b++) for (const [q, c] of keep.entries()) input.set((x.data as Float32Array).subarray(((b * 5 + c) * h!) * w!, ((b * 5 + c + 1) * h!) * w!), ((b * keep.length + q) * h!) * w!);
    const fit = new Toy();
    fit.conv('dw', 'x', 1, 3, 3, { ...attrs, group: 3 });
    const ir = new IrModel(fit.model([['x', [2, 3, 11, 10]]], ['dw']));
    const node = [...ir.graph.nodes][0]!;
    const l = refitDepthwise(ir.graph, node, [{ dims: [n!, 3, h!, w!], data: input }], [{ dims: out.dims, data: out.data }], keep, { ridge: 1e-9, maxRows: 4096 });
    expect(l).toMatchObject({ node: 'dw', kind: 'refit', cols: 10, rows: 2 * out.dims[2]! * out.dims[3]!, ridge: 1e-9 });
    const got = initOf(ir.toProto(), 'dw.w').values;
    const gotBias = initOf(ir.toProto(), 'dw.b').values;
    const want = initOf(tm, 'dw.w').values;
    const wantBias = initOf(tm, 'dw.b').values;
    keep.forEach((c, q) => {
      for (let f = 0; f < 9; f++) expect(got[q * 9 + f]).toBeCloseTo(want[c * 9 + f]!, 4);
      expect(gotBias[q]).toBeCloseTo(wantBias[c]!, 4);
    });
  });
});
