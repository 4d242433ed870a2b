// The per-layer table of a comparison: rows of A nodes and the B nodes they became, with the
// kernel time (and the kernels' launch time) of each side. The times are the profiles' typical
// times (NodeRecord.typicalMs), so that a side's rows add up to its run as its profile does. A
// row is a connected group: B's nodes tied to A's by the matching, and nodes one kernel runs
// together (a fused kernel on either side) kept in one row, so that no kernel's time is split or
// counted twice.

import type { Correspondence, MatchVia } from './graph-correspondence.js';
import type { GraphIndex } from './graph-index.js';
import type { LayerRow, NodeRecord } from './report-schema.js';
import { UnionFind } from './union-find.js';

const STRENGTH: readonly MatchVia[] = ['provenance', 'name', 'values', 'structure', 'adjacent', 'none'];

/**
 * Rows for A and B: `corr` ties B's nodes to A's; `aKernels`/`bKernels` are each side's profile
 * records (originalNodes name the side's own nodes). Rows without any time are left out; the
 * kernel time neither side could place goes into a last row with no nodes.
 */
export function layerTable(a: GraphIndex, b: GraphIndex, corr: Correspondence, aKernels: readonly NodeRecord[], bKernels: readonly NodeRecord[]): LayerRow[] {
  const uf = new UnionFind();
  const via = new Map<string, MatchVia>();
  corr.groups.forEach((g, bId) => {
    const bKey = `b:${b.nodes[bId]!.name}`;
    uf.find(bKey);
    via.set(bKey, g.via);
    for (const aId of g.original) uf.union(bKey, `a:${a.nodes[aId]!.name}`);
  });
  for (const [side, kernels] of [['a', aKernels], ['b', bKernels]] as const) {
    for (const k of kernels) for (let i = 1; i < k.originalNodes.length; i++) uf.union(`${side}:${k.originalNodes[0]}`, `${side}:${k.originalNodes[i]}`);
  }
  const rows = new Map<string, LayerRow>();
  const row = (key: string) => {
    const root = uf.find(key);
    let r = rows.get(root);
    if (!r) rows.set(root, (r = { aNodes: [], bNodes: [], aMs: 0, bMs: 0, deltaMs: 0, aLaunchMs: 0, bLaunchMs: 0, match: 'none' }));
    return r;
  };
  for (const n of a.nodes) row(`a:${n.name}`).aNodes.push(n.name);
  for (const n of b.nodes) {
    const r = row(`b:${n.name}`);
    r.bNodes.push(n.name);
    const v = via.get(`b:${n.name}`) ?? 'none';
    if (STRENGTH.indexOf(v) < STRENGTH.indexOf(r.match) || r.match === 'none') r.match = v;
  }
  const leftover = { aMs: 0, bMs: 0, aLaunchMs: 0, bLaunchMs: 0 };
  for (const k of aKernels) {
    const r = k.originalNodes.length ? row(`a:${k.originalNodes[0]}`) : leftover;
    r.aMs += k.typicalMs;
    r.aLaunchMs += k.typicalLaunchMs;
  }
  for (const k of bKernels) {
    const r = k.originalNodes.length ? row(`b:${k.originalNodes[0]}`) : leftover;
    r.bMs += k.typicalMs;
    r.bLaunchMs += k.typicalLaunchMs;
  }
  const out = [...rows.values()].filter((r) => r.aMs > 0 || r.bMs > 0);
  for (const r of out) {
    r.deltaMs = r.bMs - r.aMs;
    r.aNodes = [...new Set(r.aNodes)];
    r.bNodes = [...new Set(r.bNodes)];
    if (!r.aNodes.length || !r.bNodes.length) r.match = 'none';
  }
  if (leftover.aMs > 0 || leftover.bMs > 0) out.push({ aNodes: [], bNodes: [], ...leftover, deltaMs: leftover.bMs - leftover.aMs, match: 'none' });
  return out.sort((x, y) => Math.max(y.aMs, y.bMs) - Math.max(x.aMs, x.bMs));
}
