// Which layers recovery refits, in graph order: after channel pruning, every weighted layer whose
// input differs from the original model's (the consumers of pruned groups, whose input channels
// shrank, and every layer downstream of one: unpruned Convs, depthwise Convs, the neck, the head),
// each toward the original's output of that node (its kept channels where its outputs were
// pruned). After magnitude pruning, a bias correction of each changed layer.

import type { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';
import { orderNodes } from '../../shared/ir/topo-order.js';
import type { GroupReport } from '../../shared/operations/prune-channels-operation.js';
import { isDepthwiseConv } from '../../shared/prune/refit-depthwise.js';
import { layerWeight } from '../../shared/prune/weights.js';

export interface RecoveryStep {
  node: IrNode;
  kind: 'refit' | 'depthwise' | 'bias';
  /** The original output channels the node still has; all when undefined. */
  keptOut?: number[];
}

const range = (n: number) => [...Array(n).keys()];

/** The recovery steps for `pruned` (the model after the pruning operation whose outcome details are `details`). */
export function planRecovery(pruned: IrModel, details: Record<string, unknown>): RecoveryStep[] {
  const graph = pruned.graph;
  const groups = details.groups as GroupReport[] | undefined;
  const ordered = orderNodes(graph);
  if (!groups) {
    const changedLayers = new Set((details.changedLayers as string[] | undefined) ?? []);
    return ordered.flatMap((node) => (changedLayers.has(node.name) ? [{ node, kind: 'bias' as const }] : []));
  }
  const kept = new Map<string, number[]>();
  const consumers = new Set<string>();
  const dwRemoved = new Map<string, Set<number>>();
  for (const g of groups) {
    if (!g.removed.length) continue;
    const removed = new Set(g.removed);
    // A head group's sources keep every channel of each kept head.
    const unit = g.headSize ?? 1;
    for (const s of g.sources) kept.set(s, range(g.size * unit).filter((c) => !removed.has(Math.floor(c / unit))));
    for (const c of g.consumers) consumers.add(c.node);
    for (const d of g.depthwise ?? []) {
      const set = dwRemoved.get(d.node) ?? new Set<number>();
      dwRemoved.set(d.node, set);
      for (const c of g.removed) for (let k = 0; k < d.stride; k++) set.add(d.offset + c * d.stride + k);
    }
  }
  // A depthwise Conv in pruned groups keeps the channels none of them removed (its channel count was cut by as many).
  for (const [name, removed] of dwRemoved) {
    const node = ordered.find((n) => n.name === name);
    const w = node?.inputs[1] ? graph.initializers.get(node.inputs[1]) : undefined;
    if (!w?.dims?.length) continue;
    kept.set(name, range(Number(w.dims[0]) + removed.size).filter((c) => !removed.has(c)));
  }
  // Values that differ from the original's (on the channels they kept): a consumer's output, and whatever reads a changed value.
  const changed = new Set<string>();
  const out: RecoveryStep[] = [];
  for (const node of ordered) {
    const isConsumer = consumers.has(node.name);
    if (!isConsumer && !node.inputs.some((i) => changed.has(i))) continue;
    for (const o of node.outputs) changed.add(o);
    const keptOut = kept.get(node.name);
    const step = { node, ...(keptOut ? { keptOut } : {}) };
    if (isDepthwiseConv(graph, node)) out.push({ ...step, kind: 'depthwise' });
    else if (layerWeight(graph, node) && (isConsumer || changed.has(node.inputs[0]!))) out.push({ ...step, kind: 'refit' });
  }
  return out;
}
