import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { IrModel } from '../../shared/ir/model.js';
import { channelGroups } from '../../shared/prune/channel-prune.js';
import { inferShapes } from '../../shared/shape/index.js';
import { efficientnetLike } from '../bench/models/efficientnet-like.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { checkPrunedModel, prune, randomFeeds, runOrt } from './prune-helpers.js';
import { initOf, Toy, zeroSlices } from './toy-models.js';

// Coupled channels found as one group, and consumers that make pruning unsafe refused by name.

function groupsOf(m: ReturnType<Toy['model']>) {
  const ir = new IrModel(m);
  return channelGroups(ir.graph, inferShapes(ir), () => true);
}

describe('coupled groups', () => {
  it('a residual Add couples the block\'s two layers; both lose the same channels', async () => {
    const t = new Toy();
    const a = t.conv('a', 'x', 3, 4);
    const b = t.conv('b', t.op('Relu', [a], 'ra'), 4, 4);
    const s = t.op('Add', [a, b], 's');
    t.conv('y', t.op('Relu', [s], 'rs'), 4, 2);
    const m = t.model([['x', [1, 3, 6, 6]]], ['y']);
    const g = groupsOf(m).find((x) => x.sources.some((s) => s.node.name === 'a'))!;
    expect(g.sources.map((s) => s.node.name).sort()).toEqual(['a', 'b']);
    expect(g.consumers.map((c) => c.node.name).sort()).toEqual(['b', 'y']);
    const p = await prune(m, 'prune-channels', { channels: { b: [2] } });
    expect(initOf(p.proto, 'a.w').dims).toEqual([3, 3, 3, 3]);
    expect(initOf(p.proto, 'b.w').dims).toEqual([3, 3, 3, 3]);
    // Channel 2 of a and b meets only in s[2], which only y reads (and b itself, through relu(a)).
    const ref = zeroSlices(zeroSlices(m, 'y.w', 1, [2]), 'b.w', 1, [2]);
    const feeds = randomFeeds({ x: [1, 3, 6, 6] });
    const got = await checkPrunedModel(p.proto, feeds);
    const want = await runOrt(ref, feeds);
    got.y!.data.forEach((v, i) => expect(v).toBeCloseTo(want.y!.data[i]!, 4));
  });

  it('x · sigmoid(x) and a squeeze-excite scale couple the expand Conv with the excite Conv', () => {
    const t = new Toy();
    const e = t.conv('expand', 'x', 3, 8, 1);
    const silu = t.op('Mul', [e, t.op('Sigmoid', [e], 'sg')], 'silu');
    const sq = t.conv('squeeze', t.op('GlobalAveragePool', [silu], 'gap'), 8, 2, 1);
    const ex = t.conv('excite', t.op('Relu', [sq], 'sr'), 2, 8, 1);
    const scaled = t.op('Mul', [silu, t.op('Sigmoid', [ex], 'gate')], 'scaled');
    t.conv('y', scaled, 8, 3, 1);
    const groups = groupsOf(t.model([['x', [1, 3, 4, 4]]], ['y']));
    const g = groups.find((x) => x.sources.some((s) => s.node.name === 'expand'))!;
    expect(g.unsafe).toBeUndefined();
    expect(g.sources.map((s) => s.node.name).sort()).toEqual(['excite', 'expand']);
    expect(g.consumers.map((c) => c.node.name).sort()).toEqual(['squeeze', 'y']);
  });

  it('the ResNet-style model: one group per residual stage, all prunable but the logits', () => {
    const ir = new IrModel(resnetLike());
    const groups = channelGroups(ir.graph, inferShapes(ir), () => true);
    const stage0 = groups.find((g) => g.sources.some((s) => s.node.name === 'conv0/Conv'))!;
    expect(stage0.sources.map((s) => s.node.name).sort()).toEqual(['conv0/Conv', 'conv2/Conv', 'conv4/Conv']);
    expect(groups.filter((g) => g.unsafe).map((g) => g.unsafe!.node)).toEqual(['logits']);
  });

  it('50% of a MobileNet-style model (depthwise, squeeze-excite) pruned loads in onnxruntime with shapes as inferred', async () => {
    const p = await prune(efficientnetLike(), 'prune-channels', { sparsity: 0.5, criterion: 'l2' });
    expect(p.effect.outcome.matches).toBeGreaterThan(20);
    const out = await checkPrunedModel(p.proto, randomFeeds({ input: [1, 3, 32, 32] }));
    expect(Object.values(out)[0]!.dims).toEqual([1, 100]);
  });
});

describe('unsafe consumers are refused, naming the node', () => {
  const softmaxModel = () => {
    const t = new Toy();
    const a = t.conv('a', 'x', 3, 4);
    t.conv('y', t.op('Softmax', [a], 'sm', { axis: 1 }), 4, 2);
    return t.model([['x', [1, 3, 5, 5]]], ['y']);
  };

  it('Softmax over the channels', async () => {
    await expect(prune(softmaxModel(), 'prune-channels', { channels: { a: [0] } })).rejects.toThrow(/cannot prune a: sm: Softmax consumes 'a'/);
  });

  it('a whole model whose every group is unsafe: refused with the first reason', async () => {
    const err = await prune(softmaxModel(), 'prune-channels', { sparsity: 0.5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('PRUNE_UNSAFE');
    expect((err as WorkbenchError).message).toMatch(/sm: Softmax/);
  });

  it('a residual Add with a graph input, a Reshape into heads, a graph output', async () => {
    const t = new Toy();
    const a = t.conv('a', 'x', 4, 4);
    t.op('Add', [a, 'x'], 'y');
    const m1 = t.model([['x', [1, 4, 5, 5]]], ['y']);
    await expect(prune(m1, 'prune-channels', { channels: { a: [0] } })).rejects.toThrow(/graph input 'x'/);

    const u = new Toy();
    const q = u.op('MatMul', ['h', u.w('wq', [8, 8])], 'q');
    // Not a split of the channels into heads (that is pruned by heads: attention-heads.test.ts).
    u.inits.push({ name: 'heads', dims: [5], dataType: 7, rawData: new Uint8Array(new BigInt64Array([1n, 3n, 2n, 2n, 2n]).buffer) });
    u.op('Reshape', [q, 'heads'], 'z');
    await expect(prune(u.model([['h', [1, 3, 8]]], ['z']), 'prune-channels', { channels: { q: [0] } })).rejects.toThrow(/z: Reshape other than flattening/);

    const v = new Toy();
    v.conv('out', 'x', 3, 4);
    await expect(prune(v.model([['x', [1, 3, 5, 5]]], ['out']), 'prune-channels', { channels: { out: [0] } })).rejects.toThrow(/'out' is a graph output/);
  });

  it('a coupled layer outside the selection or excluded stops the group', async () => {
    const t = new Toy();
    const a = t.conv('a', 'x', 3, 4);
    const b = t.conv('b', 'x', 3, 4);
    t.conv('y', t.op('Add', [a, b], 's'), 4, 2);
    const m = t.model([['x', [1, 3, 5, 5]]], ['y']);
    await expect(prune(m, 'prune-channels', { sparsity: 0.5, exclude: ['b'] })).rejects.toThrow(/b: its channels are coupled/);
    await expect(prune(m, 'prune-channels', { sparsity: 0.5 }, ['a'])).rejects.toThrow(/b: its channels are coupled/);
    const both = await prune(m, 'prune-channels', { sparsity: 0.5 }, ['a', 'b']);
    expect(initOf(both.proto, 'y.w').dims).toEqual([2, 2, 3, 3]);
  });
});
