import { buildCsr, type Csr } from './csr.js';
import type { LayeredGraph } from './layered.js';

// Crossing reduction: a depth-first initial order (keeps connected nodes together), then
// alternating down and up barycenter sweeps, keeping the order with the fewest crossings.
// Crossings are counted per pair of ranks with a Fenwick tree (Barth, Jünger and Mutzel), so a
// sweep and its count cost O(E log V).

/** Nodes of each rank in order: layer r is nodes[layerStart[r] .. layerStart[r + 1]). */
export interface LayerOrder {
  nodes: Int32Array;
  layerStart: Int32Array;
  /** Index of each node within its rank. */
  pos: Int32Array;
  crossings: number;
}

interface Adjacency {
  down: Csr;
  up: Csr;
  weight: Float64Array;
}

function initialOrder(g: LayeredGraph, adj: Adjacency): LayerOrder {
  const layerStart = new Int32Array(g.ranks + 1);
  for (let v = 0; v < g.count; v++) layerStart[g.rank[v] + 1]++;
  for (let r = 0; r < g.ranks; r++) layerStart[r + 1] += layerStart[r];
  // Roots in rank order, then index order, so that every node is reached from its topmost side.
  const byRank = new Int32Array(g.count);
  const fill = layerStart.slice(0, g.ranks);
  for (let v = 0; v < g.count; v++) byRank[fill[g.rank[v]]++] = v;
  fill.set(layerStart.subarray(0, g.ranks));
  const nodes = new Int32Array(g.count);
  const pos = new Int32Array(g.count);
  const seen = new Uint8Array(g.count);
  const stack = new Int32Array(g.count + g.upper.length + 1);
  const { start, adj: next } = adj.down;
  for (let i = 0; i < g.count; i++) {
    if (seen[byRank[i]]) continue;
    let top = 0;
    stack[top++] = byRank[i];
    while (top > 0) {
      const v = stack[--top];
      if (seen[v]) continue;
      seen[v] = 1;
      const r = g.rank[v];
      pos[v] = fill[r] - layerStart[r];
      nodes[fill[r]++] = v;
      for (let k = start[v + 1] - 1; k >= start[v]; k--) if (!seen[next[k]]) stack[top++] = next[k];
    }
  }
  return { nodes, layerStart, pos, crossings: 0 };
}

/**
 * The initial order from an earlier layout's x (`hints`, NaN for nodes it did not have): each
 * rank sorted by the hint, nodes without one (new nodes, dummies) at the mean key of their
 * neighbours above, else just after their left neighbour of the depth-first order.
 */
function hintedOrder(g: LayeredGraph, adj: Adjacency, hints: Float64Array): LayerOrder {
  const o = initialOrder(g, adj);
  const key = new Float64Array(g.count);
  const { start, adj: above } = adj.up;
  for (let r = 0; r < g.ranks; r++) {
    const from = o.layerStart[r];
    const to = o.layerStart[r + 1];
    let left = -Infinity;
    for (let i = from; i < to; i++) {
      const v = o.nodes[i];
      let k = v < g.real ? hints[v] : NaN;
      if (Number.isNaN(k)) {
        let sum = 0;
        let count = 0;
        for (let e = start[v]; e < start[v + 1]; e++) {
          sum += key[above[e]];
          count++;
        }
        k = count ? sum / count : left === -Infinity ? -1e12 : left + 1e-6;
      }
      key[v] = k;
      left = k;
    }
    const rank = Array.from(o.nodes.subarray(from, to));
    // Ties keep the depth-first order (Array#sort is stable).
    rank.sort((a, b) => key[a] - key[b]);
    rank.forEach((v, i) => {
      o.nodes[from + i] = v;
      o.pos[v] = i;
    });
  }
  return o;
}

/** Crossings between ranks r and r + 1 of an order. */
function crossingsBelow(o: LayerOrder, down: Csr, r: number, tree: Int32Array, scratch: number[]): number {
  const lowerSize = o.layerStart[r + 2] - o.layerStart[r + 1];
  if (lowerSize < 2) return 0;
  tree.fill(0, 0, lowerSize + 1);
  let seen = 0;
  let crossings = 0;
  for (let i = o.layerStart[r]; i < o.layerStart[r + 1]; i++) {
    const u = o.nodes[i];
    scratch.length = 0;
    for (let k = down.start[u]; k < down.start[u + 1]; k++) scratch.push(o.pos[down.adj[k]]);
    if (scratch.length > 1) scratch.sort((a, b) => a - b);
    for (const p of scratch) {
      let atMost = 0;
      for (let t = p + 1; t > 0; t -= t & -t) atMost += tree[t];
      crossings += seen - atMost;
      for (let t = p + 1; t <= lowerSize; t += t & -t) tree[t]++;
      seen++;
    }
  }
  return crossings;
}

function countCrossings(o: LayerOrder, down: Csr, ranks: number): number {
  let maxLayer = 0;
  for (let r = 0; r < ranks; r++) maxLayer = Math.max(maxLayer, o.layerStart[r + 1] - o.layerStart[r]);
  const tree = new Int32Array(maxLayer + 1);
  const scratch: number[] = [];
  let total = 0;
  for (let r = 0; r + 1 < ranks; r++) total += crossingsBelow(o, down, r, tree, scratch);
  return total;
}

/** Reorders rank r by the weighted barycenter of its neighbours in `side`; nodes without any keep their place. */
function sweepLayer(o: LayerOrder, r: number, side: Csr, weight: Float64Array, neighbourRank: number, keys: Float64Array): void {
  const from = o.layerStart[r];
  const size = o.layerStart[r + 1] - from;
  if (size < 2) return;
  const otherSpan = Math.max(1, o.layerStart[neighbourRank + 1] - o.layerStart[neighbourRank] - 1);
  const ownSpan = size - 1;
  const idx: number[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const v = o.nodes[from + i];
    let sum = 0;
    let total = 0;
    for (let k = side.start[v]; k < side.start[v + 1]; k++) {
      const w = weight[side.edge[k]];
      sum += w * o.pos[side.adj[k]];
      total += w;
    }
    keys[i] = total > 0 ? sum / total / otherSpan : i / ownSpan;
    idx[i] = i;
  }
  idx.sort((a, b) => keys[a] - keys[b] || a - b);
  const before = o.nodes.slice(from, from + size);
  for (let i = 0; i < size; i++) {
    const v = before[idx[i]];
    o.nodes[from + i] = v;
    o.pos[v] = i;
  }
}

/**
 * Orders every rank; yields after each sweep so that a caller can cancel or report progress.
 * With `hints` (an earlier layout's x of the real nodes) it starts from that order instead.
 */
export function* orderLayers(g: LayeredGraph, sweeps: number, hints?: Float64Array): Generator<number, LayerOrder, void> {
  const adj: Adjacency = {
    down: buildCsr(g.count, g.upper, g.lower),
    up: buildCsr(g.count, g.lower, g.upper),
    weight: g.weight,
  };
  const order = hints ? hintedOrder(g, adj, hints) : initialOrder(g, adj);
  order.crossings = countCrossings(order, adj.down, g.ranks);
  let best = { nodes: order.nodes.slice(), pos: order.pos.slice(), crossings: order.crossings };
  let maxLayer = 0;
  for (let r = 0; r < g.ranks; r++) maxLayer = Math.max(maxLayer, order.layerStart[r + 1] - order.layerStart[r]);
  const keys = new Float64Array(maxLayer);
  let stale = 0;
  for (let s = 0; s < sweeps && best.crossings > 0; s++) {
    if (s % 2 === 0) for (let r = 1; r < g.ranks; r++) sweepLayer(order, r, adj.up, adj.weight, r - 1, keys);
    else for (let r = g.ranks - 2; r >= 0; r--) sweepLayer(order, r, adj.down, adj.weight, r + 1, keys);
    order.crossings = countCrossings(order, adj.down, g.ranks);
    if (order.crossings < best.crossings) {
      best = { nodes: order.nodes.slice(), pos: order.pos.slice(), crossings: order.crossings };
      stale = 0;
    } else if (++stale >= 3) break;
    yield (s + 1) / sweeps;
  }
  return { nodes: best.nodes, layerStart: order.layerStart, pos: best.pos, crossings: best.crossings };
}
