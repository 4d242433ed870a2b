import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { checkPrunedModel, prune, randomFeeds, runOrt } from './prune-helpers.js';
import { initOf, Toy, zeroSlices } from './toy-models.js';

// Each consumer kind adjusted by prune-channels, checked by hand (shapes and sliced values) and
// numerically: the pruned model equals the original with the removed channels' only uses (the
// next layer's input slices) zeroed.

async function expectSameOutputs(pruned: ModelProto, reference: ModelProto, shapes: Record<string, number[]>): Promise<void> {
  const feeds = randomFeeds(shapes);
  const a = await checkPrunedModel(pruned, feeds);
  const b = await runOrt(reference, feeds);
  for (const [name, t] of Object.entries(b)) {
    expect(a[name]!.dims).toEqual(t.dims);
    a[name]!.data.forEach((v, i) => expect(v).toBeCloseTo(t.data[i]!, 4));
  }
}

const pick = (values: number[], dims: number[], axis: number, keep: number[]) => {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return values.filter((_, i) => keep.includes(Math.floor(i / inner) % dims[axis]!));
};

describe('prune-channels adjusts each consumer', () => {
  it('BatchNormalization, Relu, MaxPool and the next Conv\'s input channels', async () => {
    const t = new Toy();
    const c1 = t.conv('c1', 'x', 3, 4);
    const bn = t.op('BatchNormalization', [c1, t.w('s', [4]), t.w('b', [4]), t.w('m', [4]), t.w('v', [4], [1, 2, 3, 4])], 'bn');
    const pool = t.op('MaxPool', [t.op('Relu', [bn], 'r')], 'pool', { kernel_shape: [2, 2], strides: [2, 2] });
    t.conv('y', pool, 4, 2);
    const m = t.model([['x', [1, 3, 8, 8]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { c1: [1, 3] } });
    expect(initOf(p.proto, 'c1.w').dims).toEqual([2, 3, 3, 3]);
    expect(initOf(p.proto, 'c1.b').values).toEqual(pick(initOf(m, 'c1.b').values, [4], 0, [0, 2]));
    expect(initOf(p.proto, 'v').values).toEqual([1, 3]);
    expect(initOf(p.proto, 'y.w').dims).toEqual([2, 2, 3, 3]);
    expect(initOf(p.proto, 'y.w').values).toEqual(pick(initOf(m, 'y.w').values, [2, 4, 3, 3], 1, [0, 2]));
    await expectSameOutputs(p.proto, zeroSlices(m, 'y.w', 1, [1, 3]), { x: [1, 3, 8, 8] });
  });

  it('elementwise ops with per-channel constants ([C,1,1] and [1,C,1,1]); scalars stay', async () => {
    const t = new Toy();
    const c1 = t.conv('c1', 'x', 2, 4);
    const a = t.op('Add', [c1, t.w('k1', [4, 1, 1])], 'a');
    const mul = t.op('Mul', [t.w('k2', [1, 4, 1, 1]), a], 'mul');
    const d = t.op('Div', [mul, t.w('two', [], [2])], 'd');
    t.conv('y', d, 4, 3, 1);
    const m = t.model([['x', [2, 2, 5, 5]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { c1: [0] } });
    expect(initOf(p.proto, 'k1').dims).toEqual([3, 1, 1]);
    expect(initOf(p.proto, 'k2').dims).toEqual([1, 3, 1, 1]);
    expect(initOf(p.proto, 'k2').values).toEqual(initOf(m, 'k2').values.slice(1));
    expect(initOf(p.proto, 'two').dims).toEqual([]);
    await expectSameOutputs(p.proto, zeroSlices(m, 'y.w', 1, [0]), { x: [2, 2, 5, 5] });
  });

  it('a depthwise Conv: its weight, bias and group shrink, the pointwise Conv after it reads fewer channels', async () => {
    const t = new Toy();
    const c1 = t.conv('c1', 'x', 3, 6, 1);
    const dw = t.op('Conv', [c1, t.w('dw.w', [6, 1, 3, 3]), t.w('dw.b', [6])], 'dw', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 6 });
    t.conv('y', dw, 6, 4, 1);
    const m = t.model([['x', [1, 3, 6, 6]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { c1: [0, 4, 5] } });
    const dwNode = p.proto.graph!.node!.find((n) => n.name === 'dw')!;
    expect(Number(dwNode.attribute!.find((a) => a.name === 'group')!.i)).toBe(3);
    expect(initOf(p.proto, 'dw.w').dims).toEqual([3, 1, 3, 3]);
    expect(initOf(p.proto, 'dw.b').values).toEqual(pick(initOf(m, 'dw.b').values, [6], 0, [1, 2, 3]));
    await expectSameOutputs(p.proto, zeroSlices(m, 'y.w', 1, [0, 4, 5]), { x: [1, 3, 6, 6] });
  });

  it('Concat: each input pruned at its own offset in the next Conv', async () => {
    const t = new Toy();
    const a = t.conv('a', 'x', 2, 4);
    const b = t.conv('b', 'x', 2, 3);
    const cat = t.op('Concat', [a, b], 'cat', { axis: 1 });
    t.conv('y', cat, 7, 2);
    const m = t.model([['x', [1, 2, 5, 5]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { a: [0], b: [2] } });
    expect(initOf(p.proto, 'y.w').dims).toEqual([2, 5, 3, 3]);
    await expectSameOutputs(p.proto, zeroSlices(m, 'y.w', 1, [0, 6]), { x: [1, 2, 5, 5] });
  });

  it('Flatten and a flattening Reshape before MatMul and Gemm: each channel\'s block of rows goes', async () => {
    const t = new Toy();
    const c = t.conv('c', 'x', 2, 3, 1);
    const f = t.op('Flatten', [c], 'f', { axis: 1 });
    t.op('MatMul', [f, t.w('fc', [12, 5])], 'y');
    const shape = t.w('shape', [2], [0, -1]);
    t.inits[t.inits.length - 1] = { ...t.inits[t.inits.length - 1]!, dataType: 7, rawData: new Uint8Array(new BigInt64Array([0n, -1n]).buffer) };
    const r = t.op('Reshape', [c, shape], 'r');
    t.op('Gemm', [r, t.w('g', [4, 12]), t.w('gb', [4])], 'z', { transB: 1 });
    const m = t.model([['x', [2, 2, 2, 2]]], ['y', 'z']);
    const p = await prune(m, 'prune-channels', { channels: { c: [1] } });
    expect(initOf(p.proto, 'fc').dims).toEqual([8, 5]);
    expect(initOf(p.proto, 'g').dims).toEqual([4, 8]);
    const ref = zeroSlices(zeroSlices(m, 'fc', 0, [4, 5, 6, 7]), 'g', 1, [4, 5, 6, 7]);
    await expectSameOutputs(p.proto, ref, { x: [2, 2, 2, 2] });
  });

  it('MatMul + Add bias + Gelu (Erf) + MatMul, and Gemm + Relu + Gemm', async () => {
    const t = new Toy();
    const h = t.op('Add', [t.op('MatMul', ['x', t.w('w1', [6, 8])], 'mm1'), t.w('b1', [8])], 'h');
    const e = t.op('Erf', [t.op('Div', [h, t.w('sqrt2', [], [Math.SQRT2])], 'hd')], 'e');
    const gelu = t.op('Mul', [t.op('Mul', [h, t.op('Add', [e, t.w('one', [], [1])], 'e1')], 'hm'), t.w('half', [], [0.5])], 'gelu');
    t.op('MatMul', [gelu, t.w('w2', [8, 6])], 'y');
    const g = t.op('Relu', [t.op('Gemm', ['x', t.w('g1', [6, 5]), t.w('gb1', [1, 5])], 'g1o')], 'gr');
    t.op('Gemm', [g, t.w('g2', [3, 5])], 'z', { transB: 1 });
    const m = t.model([['x', [3, 6]]], ['y', 'z']);
    const p = await prune(m, 'prune-channels', { sparsity: 0.5 });
    const groups = p.effect.outcome.details!.groups as { sources: string[]; removed: number[] }[];
    const r1 = groups.find((x) => x.sources.includes('mm1'))!.removed;
    const r2 = groups.find((x) => x.sources.includes('g1o'))!.removed;
    expect(r1).toHaveLength(4);
    expect(initOf(p.proto, 'b1').dims).toEqual([4]);
    // round(0.5 · 5) = 3 of 5 go.
    expect(initOf(p.proto, 'gb1').dims).toEqual([1, 2]);
    expect(initOf(p.proto, 'g2').dims).toEqual([3, 2]);
    await expectSameOutputs(p.proto, zeroSlices(zeroSlices(m, 'w2', 0, r1), 'g2', 1, r2), { x: [3, 6] });
  });

  it('Resize by a channel scale of 1, with weights in Constant nodes (as paddle2onnx writes them) lifted to initializers', async () => {
    const t = new Toy();
    t.w('c1.w', [4, 2, 1, 1]);
    const weight = t.inits.pop()!;
    t.nodes.push({ opType: 'Constant', name: 'wconst', output: ['c1.w'], attribute: [{ name: 'value', type: 4, t: weight }] });
    const c1 = t.op('Conv', ['x', 'c1.w'], 'c1', { kernel_shape: [1, 1] });
    const up = t.op('Resize', [c1, '', t.w('scales', [4], [1, 1, 2, 2])], 'up', { mode: 'nearest' });
    t.conv('y', up, 4, 3, 1);
    const m = t.model([['x', [1, 2, 3, 3]]], ['y']);
    const p = await prune(m, 'prune-channels', { channels: { c1: [3] } });
    expect(initOf(p.proto, 'c1.w').dims).toEqual([3, 2, 1, 1]);
    expect(initOf(p.proto, 'scales').values).toEqual([1, 1, 2, 2]);
    await expectSameOutputs(p.proto, zeroSlices(m, 'y.w', 1, [3]), { x: [1, 2, 3, 3] });
  });
});
