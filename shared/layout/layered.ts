import type { OrientedEdges } from './rank.js';

// Long edges become chains of dummy nodes, one per rank crossed, so that ordering and coordinate
// assignment can route them around nodes. All long edges leaving one node share a single chain
// (a bus down to the farthest consumer): an attention mask read by 128 layers costs one chain,
// not 128. A budget caps the dummies on pathological graphs; edges over it are drawn straight.

/** Ranked nodes (the graph's, then dummies) and the edges between adjacent ranks. */
export interface LayeredGraph {
  /** Nodes of the input graph; dummies are numbered from here. */
  real: number;
  count: number;
  ranks: number;
  rank: Int32Array;
  /** Edges between adjacent ranks (upper → lower) with their weights for ordering and straightening. */
  upper: Int32Array;
  lower: Int32Array;
  weight: Float64Array;
  /** First dummy of a node's chain (at rank + 1), or -1. */
  chainFirst: Int32Array;
  /** Length of a node's chain. */
  chainLength: Int32Array;
  /** Input edges drawn straight because their source's chain was over the budget. */
  straight: Uint8Array;
}

/** Adds the dummy chains for a ranked, oriented graph. */
export function buildLayered(n: number, rankOf: Int32Array, edges: OrientedEdges, dummyBudget: number): LayeredGraph {
  const m = edges.from.length;
  const reach = new Int32Array(n);
  for (let v = 0; v < n; v++) reach[v] = rankOf[v];
  for (let j = 0; j < m; j++) if (edges.keep[j]) reach[edges.from[j]] = Math.max(reach[edges.from[j]], rankOf[edges.to[j]]);
  const chainLength = new Int32Array(n);
  let total = 0;
  for (let v = 0; v < n; v++) {
    chainLength[v] = Math.max(0, reach[v] - rankOf[v] - 1);
    total += chainLength[v];
  }
  if (total > dummyBudget) {
    // Drop the longest chains first: they are the ones that cost most and help least.
    const byLength = Array.from({ length: n }, (_, v) => v).filter((v) => chainLength[v] > 0);
    byLength.sort((a, b) => chainLength[b] - chainLength[a] || a - b);
    for (const v of byLength) {
      if (total <= dummyBudget) break;
      total -= chainLength[v];
      chainLength[v] = 0;
    }
  }
  const count = n + total;
  const rank = new Int32Array(count);
  rank.set(rankOf);
  const chainFirst = new Int32Array(n).fill(-1);
  let next = n;
  let chainEdges = 0;
  for (let v = 0; v < n; v++) {
    if (!chainLength[v]) continue;
    chainFirst[v] = next;
    for (let i = 0; i < chainLength[v]; i++) rank[next + i] = rankOf[v] + 1 + i;
    next += chainLength[v];
    chainEdges += chainLength[v];
  }
  const straight = new Uint8Array(m);
  let keptEdges = 0;
  for (let j = 0; j < m; j++) {
    if (!edges.keep[j]) continue;
    const span = rankOf[edges.to[j]] - rankOf[edges.from[j]];
    if (span > 1 && chainFirst[edges.from[j]] < 0) straight[j] = 1;
    else keptEdges++;
  }
  const upper = new Int32Array(chainEdges + keptEdges);
  const lower = new Int32Array(chainEdges + keptEdges);
  const weight = new Float64Array(chainEdges + keptEdges);
  let e = 0;
  for (let v = 0; v < n; v++) {
    const first = chainFirst[v];
    if (first < 0) continue;
    upper[e] = v;
    lower[e] = first;
    weight[e++] = 2;
    for (let i = 1; i < chainLength[v]; i++) {
      upper[e] = first + i - 1;
      lower[e] = first + i;
      weight[e++] = 8;
    }
  }
  for (let j = 0; j < m; j++) {
    if (!edges.keep[j] || straight[j]) continue;
    const u = edges.from[j];
    const w = edges.to[j];
    const span = rankOf[w] - rankOf[u];
    if (span === 1) {
      upper[e] = u;
      weight[e] = 1;
    } else {
      upper[e] = chainFirst[u] + span - 2;
      weight[e] = 2;
    }
    lower[e++] = w;
  }
  let ranks = 0;
  for (let v = 0; v < count; v++) ranks = Math.max(ranks, rank[v] + 1);
  return { real: n, count, ranks, rank, upper, lower, weight, chainFirst, chainLength, straight };
}
