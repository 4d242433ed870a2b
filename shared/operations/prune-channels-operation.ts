import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import { channelGroups, floatParameters, groupNorms, parametersAfter, removeChannels, weakestChannels } from '../prune/channel-prune.js';
import type { ChannelGroup } from '../prune/channel-groups.js';
import { liftFloatConstants } from '../prune/lift-constants.js';
import { reconstructionRanks } from '../prune/reconstruction-order.js';
import { inferShapes } from '../shape/index.js';
import type { Operation } from './operation.js';

// Structured channel pruning as an operation: output channels of Conv, ConvTranspose, Gemm and
// MatMul removed with everything that consumes them, so that the model really shrinks. Coupled
// layers (residual Adds, x·sigmoid(x)) are pruned as one group. With `channels` the user names
// the channels; else the weakest by norm go, or with criterion 'reconstruction' those the layers
// reading them can best do without (reconstruction-order.ts: calibration samples run through the
// host's `collectActivations`). Its dry run's details list every group with its channel norms
// (removal ranks with 'reconstruction'), for a view where the user picks channels. With `hidden`, a transformer's residual
// stream (its hidden size: embeddings, LayerNorm, every layer's hidden side) is a group too. With
// `budget: 'parameters'` (the default with `hidden`) `sparsity` is the fraction of the parameters
// removed: every group (heads, FFN channels, hidden channels) loses the same fraction of its
// channels, the smallest that removes that much.

export const channelOptionsSchema = z.strictObject({
  /** Fraction of each group's channels removed (without `channels`). */
  sparsity: z.number().min(0).max(0.95).default(0.5),
  criterion: z.enum(['l1', 'l2', 'reconstruction']).default('l1'),
  /** Channels to remove by node name (that node's group; other groups are left alone). */
  channels: z.record(z.string(), z.array(z.number().int().min(0))).optional(),
  /** Node names whose output channels are kept (their groups with them). */
  exclude: z.array(z.string().min(1)).default([]),
  /** Prune the residual stream (hidden size) too; `budget` is then 'parameters' unless given. */
  hidden: z.boolean().default(false),
  /** What `sparsity` is a fraction of: each group's channels, or the model's parameters (every group then loses the same fraction of its channels, the smallest that removes that much). */
  budget: z.enum(['channels', 'parameters']).optional(),
});

export type ChannelOptions = z.infer<typeof channelOptionsSchema>;

/** One group as the details list it. */
export interface GroupReport {
  sources: string[];
  /** Channels, or heads when `headSize` is set (then `norms` and `removed` are per head). */
  size: number;
  /** Channels per head, for a group of attention heads. */
  headSize?: number;
  norms: number[];
  removed: number[];
  /** Layers whose input channels shrink, with the value they read. */
  consumers: { node: string; input: string; output: string }[];
  /** Depthwise Convs whose channels are the group's: channel c of the group is their `offset + c·stride + k` (k < stride). */
  depthwise?: { node: string; offset: number; stride: number }[];
  unsafe?: { node: string; reason: string };
  /** A residual stream's: the node normalizing over its channels (pruning it is not function-preserving). */
  normalizedBy?: string;
  /** A residual stream's graph outputs, kept at their width by a restoring MatMul (listed among the consumers). */
  restores?: string[];
}

const names = (g: ChannelGroup) => g.sources.map((s) => s.node.name);

export const pruneChannelsOperation: Operation<ChannelOptions> = {
  name: 'prune-channels',
  description: 'structured pruning: removes the weakest output channels (L1/L2 norm, or chosen ones) of Conv, ConvTranspose, Gemm and MatMul and adjusts every consumer, coupled layers as one group; the model shrinks',
  group: 'pruning',
  target: 'portable',
  options: channelOptionsSchema,
  tolerance: null,
  requires: [],
  async run(ctx) {
    const o = ctx.options;
    const g = ctx.model.graph;
    const ext = ctx.runtime.externalBytes ?? (() => undefined);
    const picked = o.channels ? new Map(Object.entries(o.channels)) : undefined;
    if (picked) {
      for (const name of picked.keys()) if (![...g.nodes].some((n) => n.name === name)) throw new WorkbenchError('UNKNOWN_NODE', `prune-channels: no node named "${name}"`);
    }
    const allowed = (n: IrNode) => (!ctx.scope || ctx.scope.has(n.id) || !!picked?.has(n.name)) && !o.exclude.includes(n.name);
    const collect = o.criterion === 'reconstruction' && !picked ? ctx.runtime.collectActivations : undefined;
    if (o.criterion === 'reconstruction' && !picked && !collect) throw new WorkbenchError('BAD_OPTION', "prune-channels: criterion 'reconstruction' needs calibration samples run through onnxruntime: use `onnx-workbench prune --structured --criterion reconstruction` or the app's Prune (a recipe or `optimize` cannot run it)");
    ctx.progress(0, 2, 'finding channel groups');
    liftFloatConstants(g);
    const groups = channelGroups(g, inferShapes(ctx.model), allowed, o.hidden);
    const chosen = groups.map((group) => (picked ? names(group).map((s) => picked.get(s)).find((c) => c !== undefined) : undefined));
    const ranked = collect && (await reconstructionRanks(ctx.model, groups.map((group) => (group.unsafe ? { ...group, consumers: [] } : group)), collect, { ext, ...(ctx.signal ? { signal: ctx.signal } : {}), progress: (d, t, step) => ctx.progress(0, 2, `${step} (${d} of ${t})`) }));
    // Groups no consumer can rank (a grouped Conv reads them, a Flatten spreads them) go by L1 norm.
    const norms = groups.map((group, i) => {
      if (picked && !chosen[i]) return [];
      if (group.unsafe && picked) throw new WorkbenchError('PRUNE_UNSAFE', `prune-channels: cannot prune ${names(group).join(', ')}: ${group.unsafe.node}: ${group.unsafe.reason}`);
      return group.unsafe ? [] : (ranked?.[i] ?? groupNorms(g, group, o.criterion === 'l2' ? 'l2' : 'l1', ext));
    });
    const removeAt = (fraction: number) => groups.map((group, i) => (group.unsafe || (picked && !chosen[i]) ? [] : chosen[i] ? [...new Set(chosen[i])].sort((a, b) => a - b) : weakestChannels(norms[i]!, fraction)));
    const budget = o.budget ?? (o.hidden ? 'parameters' : 'channels');
    const fraction = budget === 'parameters' && !picked ? splitFraction(g, groups, removeAt, o.sparsity) : o.sparsity;
    const removals = removeAt(fraction);
    const reports: GroupReport[] = [];
    const plan: { group: ChannelGroup; remove: number[] }[] = [];
    const reportOf = new Map<ChannelGroup, GroupReport>();
    for (const [i, group] of groups.entries()) {
      if (picked && !chosen[i]) continue;
      const remove = removals[i]!;
      const consumers = group.consumers.map((c) => ({ node: c.node.name, input: c.input, output: c.node.outputs[0]! }));
      const report: GroupReport = { sources: names(group), size: group.size, ...(group.unit > 1 ? { headSize: group.unit } : {}), norms: norms[i]!, removed: remove, consumers, ...(group.groupAttrs.length ? { depthwise: group.groupAttrs.map((a) => ({ node: a.node.name, offset: a.offset, stride: a.stride })) } : {}), ...(group.unsafe ? { unsafe: group.unsafe } : {}) };
      if (group.normalizedBy && !group.unsafe) Object.assign(report, { normalizedBy: group.normalizedBy, restores: group.restores });
      reports.push(report);
      reportOf.set(group, report);
      if (remove.length) plan.push({ group, remove });
    }
    if (!plan.length) {
      const blocked = reports.find((r) => r.unsafe);
      if (blocked) throw new WorkbenchError('PRUNE_UNSAFE', `prune-channels: no group can be pruned; first: ${blocked.sources.join(', ')}: ${blocked.unsafe!.node}: ${blocked.unsafe!.reason}`);
      return { matches: 0, summary: 'no channels to remove', details: { groups: reports } };
    }
    ctx.signal?.throwIfAborted();
    ctx.progress(1, 2, `removing channels of ${plan.length} groups`);
    const restored = removeChannels(g, plan, ext);
    for (const [group, nodes] of restored) for (const n of nodes) reportOf.get(group)!.consumers.push({ node: n.name, input: n.inputs[0]!, output: n.outputs[0]! });
    ctx.progress(2, 2, 'pruned');
    const removed = plan.reduce((a, p) => a + p.remove.length * p.group.unit, 0);
    const total = plan.reduce((a, p) => a + p.group.size * p.group.unit, 0);
    const headPlans = plan.filter((p) => p.group.unit > 1);
    const heads = headPlans.length ? ` (${headPlans.reduce((a, p) => a + p.remove.length, 0)} of ${headPlans.reduce((a, p) => a + p.group.size, 0)} attention heads)` : '';
    const skipped = reports.filter((r) => r.unsafe).length;
    const streams = plan.filter((p) => p.group.normalizedBy);
    const stream = streams.length
      ? `; hidden size ${streams.map((p) => `${p.group.size} → ${p.group.size - p.remove.length}`).join(', ')} (${fraction.toFixed(3)} of every group's channels; not function-preserving: ${streams[0]!.group.normalizedBy} normalizes over them${streams.some((p) => p.group.restores.length) ? `; ${streams.flatMap((p) => p.group.restores).join(', ')} kept at full width by a restoring MatMul` : ''})`
      : '';
    return {
      matches: plan.reduce((a, p) => a + p.group.sources.length, 0),
      summary: `${removed} of ${total} channels removed${heads} in ${plan.length} groups (${plan.reduce((a, p) => a + p.group.sources.length, 0)} layers)${stream}${skipped ? `; ${skipped} groups left as they are (unsafe consumers)` : ''}`,
      details: { groups: reports },
    };
  },
};

// With `hidden`: the smallest common fraction of channels whose removal leaves at most (1 − sparsity) of the float parameters (bisection).
function splitFraction(g: Graph, groups: ChannelGroup[], removeAt: (fraction: number) => number[][], sparsity: number): number {
  const goal = (1 - sparsity) * floatParameters(g);
  const left = (f: number) => parametersAfter(g, removeAt(f).map((remove, i) => ({ group: groups[i]!, remove })).filter((p) => p.remove.length));
  let [lo, hi] = [0, 0.95];
  if (left(hi) > goal) return hi;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (left(mid) <= goal) hi = mid;
    else lo = mid;
  }
  return hi;
}
