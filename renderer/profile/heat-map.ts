import type { GraphInfo } from '../../shared/protocol/backend.js';
import type { NodeRecord, ProfileReport } from '../../shared/profile/report-schema.js';
import type { ViewGraph } from '../graph/view-graph.js';

// From a profile report (kernels, each naming the model nodes it computes) to the graph shown:
// node ids by name, the heat of each box, the nodes that take the most time.

/** The graph's node ids by node name. */
export function idsByName(graph: GraphInfo): Map<string, number> {
  const ids = new Map<string, number>();
  for (const n of graph.nodes) if (n.name && !ids.has(n.name)) ids.set(n.name, n.id);
  return ids;
}

/** The ids of the model nodes a kernel computes (a fused kernel: several). */
export function kernelNodeIds(record: NodeRecord, ids: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const name of record.originalNodes) {
    const id = ids.get(name);
    if (id !== undefined) out.push(id);
  }
  return out;
}

/**
 * Per box of the view, its share of the kernel time relative to the hottest box (0..1); NaN
 * for boxes no kernel computes. A fused kernel heats every box holding one of its nodes; a
 * collapsed scope sums the kernels inside it (each kernel once).
 */
export function heatOf(view: ViewGraph, ids: ReadonlyMap<string, number>, report: ProfileReport): { heat: Float32Array; maxShare: number } {
  const share = new Float32Array(view.items.length).fill(Number.NaN);
  for (const rec of report.nodes) {
    const boxes = new Set<number>();
    for (const id of kernelNodeIds(rec, ids)) {
      const i = view.prepared.nodeIndex.get(id);
      if (i !== undefined && view.itemOfNode[i] >= 0) boxes.add(view.itemOfNode[i]);
    }
    for (const b of boxes) share[b] = (Number.isNaN(share[b]) ? 0 : share[b]) + rec.share;
  }
  let maxShare = 0;
  for (const v of share) if (v > maxShare) maxShare = v;
  if (maxShare > 0) for (let i = 0; i < share.length; i++) share[i] /= maxShare;
  return { heat: share, maxShare };
}

/** Each model node's share of the kernel time: the kernels computing it, summed (a layout reorder beside it counts too). */
export function nodeShares(report: ProfileReport): Map<string, number> {
  const shares = new Map<string, number>();
  for (const rec of report.nodes) for (const name of new Set(rec.originalNodes)) shares.set(name, (shares.get(name) ?? 0) + rec.share);
  return shares;
}

/** The nodes of the graph shown that the `n` slowest kernels (typicalMs) holding any of them compute. */
export function topNodeIds(report: ProfileReport, ids: ReadonlyMap<string, number>, n: number): number[] {
  // Kernels of nodes the graph shown does not hold (inside an If branch, say) are passed over, so
  // that the N slowest kernels it can select are selected.
  const kernels = [...report.nodes]
    .sort((a, b) => b.typicalMs - a.typicalMs)
    .map((k) => kernelNodeIds(k, ids))
    .filter((nodes) => nodes.length > 0)
    .slice(0, Math.max(0, n));
  return [...new Set(kernels.flat())];
}
