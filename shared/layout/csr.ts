// Adjacency lists in compressed rows: the neighbours of node v are adj[start[v] .. start[v + 1]),
// and edge[k] is the index of the edge that put adj[k] there. Built in two linear passes.

/** Adjacency of one direction of a graph's edges. */
export interface Csr {
  start: Int32Array;
  adj: Int32Array;
  edge: Int32Array;
}

/** Rows of `to[j]` indexed by `from[j]` for the edges with keep[j] (or all when keep is omitted). */
export function buildCsr(n: number, from: Int32Array, to: Int32Array, keep?: Uint8Array): Csr {
  const start = new Int32Array(n + 1);
  const m = from.length;
  for (let j = 0; j < m; j++) if (!keep || keep[j]) start[from[j] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const adj = new Int32Array(start[n]);
  const edge = new Int32Array(start[n]);
  for (let j = 0; j < m; j++) {
    if (keep && !keep[j]) continue;
    const k = fill[from[j]]++;
    adj[k] = to[j];
    edge[k] = j;
  }
  return { start, adj, edge };
}
