import type { LayeredGraph } from './layered.js';
import type { OrientedEdges } from './rank.js';

// Edge polylines: from the bottom of the source through its chain's dummies to the top of the
// target. Edges that share a source's chain share their first points; `drawFrom` says where each
// one leaves the longest of them, so a renderer can draw the shared part once.

/** Polylines of every input edge, in input order. */
export interface Routes {
  points: Float64Array;
  pointStart: Int32Array;
  /** Index (in the edge's own points) from which the edge differs from its source's longest edge. */
  drawFrom: Int32Array;
}

/** Routes every input edge over the final coordinates; `sourceOffset` moves an edge's start along its source's bottom. */
export function routeEdges(
  g: LayeredGraph,
  edges: OrientedEdges,
  x: Float64Array,
  y: Float64Array,
  height: Float64Array,
  sourceOffset?: Float64Array,
): Routes {
  const m = edges.from.length;
  const pointStart = new Int32Array(m + 1);
  const chained = (j: number) => edges.keep[j] && !g.straight[j] && g.rank[edges.to[j]] - g.rank[edges.from[j]] > 1;
  for (let j = 0; j < m; j++) {
    const span = g.rank[edges.to[j]] - g.rank[edges.from[j]];
    const count = !edges.keep[j] ? 4 : chained(j) ? span + 1 : 2;
    pointStart[j + 1] = pointStart[j] + count;
  }
  const points = new Float64Array(pointStart[m] * 2);
  const drawFrom = new Int32Array(m);
  // The edge that owns each source's whole chain is drawn from its start; the rest from where they leave it.
  const owner = new Int32Array(g.real).fill(-1);
  for (let j = 0; j < m; j++) {
    if (!chained(j)) continue;
    const u = edges.from[j];
    if (owner[u] < 0 || g.rank[edges.to[j]] > g.rank[edges.to[owner[u]]]) owner[u] = j;
  }
  for (let j = 0; j < m; j++) {
    let p = pointStart[j] * 2;
    const u = edges.from[j];
    const t = edges.to[j];
    if (!edges.keep[j]) {
      // A self loop: a small hook on the node's right side.
      const side = x[u] + 12;
      const loop = [side, y[u] - 6, side + 14, y[u] - 6, side + 14, y[u] + 6, side, y[u] + 6];
      points.set(loop, p);
      continue;
    }
    const s0 = p;
    // An edge of its own (not on a shared bus) leaves from its value's port along the bottom.
    points[p++] = x[u] + (sourceOffset && !chained(j) && !edges.reversed[j] ? sourceOffset[j] : 0);
    points[p++] = y[u] + height[u] / 2;
    if (chained(j)) {
      const first = g.chainFirst[u];
      const span = g.rank[t] - g.rank[u];
      for (let i = 0; i < span - 1; i++) {
        points[p++] = x[first + i];
        points[p++] = y[first + i];
      }
      if (owner[u] !== j) drawFrom[j] = span - 1;
    }
    points[p++] = x[t];
    points[p++] = y[t] - height[t] / 2;
    if (edges.reversed[j]) {
      // Keep the polyline running from the input edge's source to its target.
      const count = (p - s0) / 2;
      for (let a = 0, b = count - 1; a < b; a++, b--) {
        for (let c = 0; c < 2; c++) {
          const tmp = points[s0 + 2 * a + c];
          points[s0 + 2 * a + c] = points[s0 + 2 * b + c];
          points[s0 + 2 * b + c] = tmp;
        }
      }
      drawFrom[j] = 0;
    }
  }
  return { points, pointStart, drawFrom };
}
