import { buildCsr } from './csr.js';

// Ranking: break cycles by reversing the back edges of a depth-first search, give every node the
// longest-path rank from the sources, then pull nodes down toward their consumers where that
// shortens more edges than it stretches (a one-pass stand-in for network simplex's balancing).
// All loops are iterative: a 100,000-node chain must not touch the call stack.

/** Edges as the layout keeps them: oriented so that the graph is acyclic, self loops left out. */
export interface OrientedEdges {
  from: Int32Array;
  to: Int32Array;
  /** 1 where the input edge was reversed to break a cycle. */
  reversed: Uint8Array;
  /** 0 for self loops (not laid out). */
  keep: Uint8Array;
}

/** Reverses the back edges of an iterative depth-first search (roots taken in index order). */
export function orientEdges(n: number, sources: Int32Array, targets: Int32Array): OrientedEdges {
  const m = sources.length;
  const keep = new Uint8Array(m);
  for (let j = 0; j < m; j++) keep[j] = sources[j] === targets[j] ? 0 : 1;
  const out = buildCsr(n, sources, targets, keep);
  const reversed = new Uint8Array(m);
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
  const cursor = out.start.slice(0, n);
  const stack = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    let top = 0;
    stack[0] = root;
    state[root] = 1;
    while (top >= 0) {
      const v = stack[top];
      if (cursor[v] < out.start[v + 1]) {
        const k = cursor[v]++;
        const w = out.adj[k];
        if (state[w] === 1) reversed[out.edge[k]] = 1;
        else if (state[w] === 0) {
          state[w] = 1;
          stack[++top] = w;
        }
      } else {
        state[v] = 2;
        top--;
      }
    }
  }
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    from[j] = reversed[j] ? targets[j] : sources[j];
    to[j] = reversed[j] ? sources[j] : targets[j];
  }
  return { from, to, reversed, keep };
}

/** A topological order of an acyclic graph (Kahn's algorithm, ready nodes taken in index order). */
export function topologicalOrder(n: number, edges: OrientedEdges): Int32Array {
  const out = buildCsr(n, edges.from, edges.to, edges.keep);
  const indeg = new Int32Array(n);
  for (let k = 0; k < out.adj.length; k++) indeg[out.adj[k]]++;
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) order[tail++] = v;
  while (head < tail) {
    const v = order[head++];
    for (let k = out.start[v]; k < out.start[v + 1]; k++) {
      const w = out.adj[k];
      if (--indeg[w] === 0) order[tail++] = w;
    }
  }
  if (tail !== n) throw new Error('layout: edges still form a cycle after orientation');
  return order;
}

/**
 * Ranks such that every kept edge goes down at least one rank: longest path from the sources,
 * then, in reverse topological order, a node moves down to just above its nearest consumer when
 * it has no inputs (constants, graph inputs) or more outgoing than incoming edges.
 */
export function assignRanks(n: number, edges: OrientedEdges): Int32Array {
  const order = topologicalOrder(n, edges);
  const out = buildCsr(n, edges.from, edges.to, edges.keep);
  const inc = buildCsr(n, edges.to, edges.from, edges.keep);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = order[i];
    let r = 0;
    for (let k = inc.start[v]; k < inc.start[v + 1]; k++) r = Math.max(r, rank[inc.adj[k]] + 1);
    rank[v] = r;
  }
  for (let i = n - 1; i >= 0; i--) {
    const v = order[i];
    const outdeg = out.start[v + 1] - out.start[v];
    if (outdeg === 0) continue;
    const indeg = inc.start[v + 1] - inc.start[v];
    if (indeg !== 0 && outdeg <= indeg) continue;
    let lowest = Infinity;
    for (let k = out.start[v]; k < out.start[v + 1]; k++) lowest = Math.min(lowest, rank[out.adj[k]]);
    if (lowest - 1 > rank[v]) rank[v] = lowest - 1;
  }
  let min = Infinity;
  for (let v = 0; v < n; v++) min = Math.min(min, rank[v]);
  if (n && min > 0) for (let v = 0; v < n; v++) rank[v] -= min;
  return rank;
}
