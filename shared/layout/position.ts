import { buildCsr, type Csr } from './csr.js';
import type { LayeredGraph } from './layered.js';
import type { LayerOrder } from './order.js';

// Coordinates. y: ranks stacked top to bottom, each as tall as its tallest node. x: block
// coordinate descent on the weighted squared length of all edges, Σ w·(x_u − x_v)²: sweeps (top
// down, then bottom up) place each rank as close as the order and minimum gaps allow to the
// weighted mean of its neighbours above and below. With the gaps folded into offsets, one rank's
// step is an isotonic regression, solved exactly in linear time by pool adjacent violators. Heavy
// weights on dummy chains keep long edges straight (what Brandes–Köpf and dagre's network simplex
// aim for), and every sweep is O(V + E).

/** Gaps between neighbours in a rank. */
export interface Spacing {
  nodeGap: number;
  rankGap: number;
  margin: number;
}

const FLOATING_WEIGHT = 0.01;

function gapBetween(g: LayeredGraph, a: number, b: number, nodeGap: number): number {
  const dummies = (a >= g.real ? 1 : 0) + (b >= g.real ? 1 : 0);
  return dummies === 0 ? nodeGap : dummies === 1 ? nodeGap / 2 : nodeGap / 4;
}

interface RankSolver {
  offset: Float64Array;
  desired: Float64Array;
  weights: Float64Array;
  blockWeight: Float64Array;
  blockSum: Float64Array;
  blockEnd: Int32Array;
}

/** Places rank r as close to `desired` as the order and gaps allow (pool adjacent violators). */
function placeRank(o: LayerOrder, r: number, x: Float64Array, s: RankSolver): void {
  const from = o.layerStart[r];
  const size = o.layerStart[r + 1] - from;
  let blocks = 0;
  for (let i = 0; i < size; i++) {
    const w = s.weights[i];
    s.blockWeight[blocks] = w;
    s.blockSum[blocks] = w * (s.desired[i] - s.offset[i]);
    s.blockEnd[blocks++] = i;
    while (blocks > 1 && s.blockSum[blocks - 2] / s.blockWeight[blocks - 2] > s.blockSum[blocks - 1] / s.blockWeight[blocks - 1]) {
      s.blockWeight[blocks - 2] += s.blockWeight[blocks - 1];
      s.blockSum[blocks - 2] += s.blockSum[blocks - 1];
      s.blockEnd[blocks - 2] = s.blockEnd[blocks - 1];
      blocks--;
    }
  }
  let i = 0;
  for (let b = 0; b < blocks; b++) {
    const mean = s.blockSum[b] / s.blockWeight[b];
    for (; i <= s.blockEnd[b]; i++) x[o.nodes[from + i]] = mean + s.offset[i];
  }
}

function sweepRank(o: LayerOrder, r: number, x: Float64Array, sides: Csr[], weight: Float64Array, s: RankSolver, offsets: Float64Array): void {
  const from = o.layerStart[r];
  const size = o.layerStart[r + 1] - from;
  for (let i = 0; i < size; i++) {
    const v = o.nodes[from + i];
    let sum = 0;
    let total = 0;
    for (const side of sides) {
      for (let k = side.start[v]; k < side.start[v + 1]; k++) {
        const w = weight[side.edge[k]];
        sum += w * x[side.adj[k]];
        total += w;
      }
    }
    s.desired[i] = total > 0 ? sum / total : x[v];
    s.weights[i] = total > 0 ? total : FLOATING_WEIGHT;
    s.offset[i] = offsets[from + i];
  }
  placeRank(o, r, x, s);
}

/**
 * Edge weights for straightening: chains of dummies pull hard (long edges run straight), a long
 * edge leaving its chain into its consumer pulls softly (a bus read by every layer does not drag
 * the layers sideways).
 */
function positionWeights(g: LayeredGraph): Float64Array {
  const w = new Float64Array(g.weight.length);
  for (let e = 0; e < w.length; e++) {
    const upperDummy = g.upper[e] >= g.real;
    const lowerDummy = g.lower[e] >= g.real;
    w[e] = upperDummy && lowerDummy ? 32 : upperDummy ? 0.5 : g.weight[e];
  }
  return w;
}

/**
 * x of every layered node (real and dummy); yields after each sweep. Each sweep places every rank
 * against both neighbouring ranks, so the sweeps descend on one objective (the weighted squared
 * length of all edges) instead of pulling alternately down and up, which lets columns drift.
 */
export function* assignX(g: LayeredGraph, o: LayerOrder, width: Float64Array, spacing: Spacing, sweeps: number): Generator<number, Float64Array, void> {
  const up = buildCsr(g.count, g.lower, g.upper);
  const down = buildCsr(g.count, g.upper, g.lower);
  const weight = positionWeights(g);
  const sides = [up, down];
  const w = (v: number) => (v < g.real ? width[v] : 0);
  // Offsets: where each node sits relative to its rank's first one when packed tight.
  const offsets = new Float64Array(g.count);
  let maxLayer = 0;
  const x = new Float64Array(g.count);
  for (let r = 0; r < g.ranks; r++) {
    const from = o.layerStart[r];
    const to = o.layerStart[r + 1];
    maxLayer = Math.max(maxLayer, to - from);
    for (let i = from + 1; i < to; i++) {
      const a = o.nodes[i - 1];
      const b = o.nodes[i];
      offsets[i] = offsets[i - 1] + (w(a) + w(b)) / 2 + gapBetween(g, a, b, spacing.nodeGap);
    }
    const centre = to > from ? offsets[to - 1] / 2 : 0;
    for (let i = from; i < to; i++) x[o.nodes[i]] = offsets[i] - centre;
  }
  const solver: RankSolver = {
    offset: new Float64Array(maxLayer),
    desired: new Float64Array(maxLayer),
    weights: new Float64Array(maxLayer),
    blockWeight: new Float64Array(maxLayer),
    blockSum: new Float64Array(maxLayer),
    blockEnd: new Int32Array(maxLayer),
  };
  for (let s = 0; s < sweeps; s++) {
    if (s % 2 === 0) for (let r = 0; r < g.ranks; r++) sweepRank(o, r, x, sides, weight, solver, offsets);
    else for (let r = g.ranks - 1; r >= 0; r--) sweepRank(o, r, x, sides, weight, solver, offsets);
    yield (s + 1) / sweeps;
  }
  return x;
}

/** y of each rank's centre line, and the total height. */
export function assignY(g: LayeredGraph, height: Float64Array, spacing: Spacing): { rankY: Float64Array; bottom: number } {
  const tallest = new Float64Array(g.ranks);
  for (let v = 0; v < g.real; v++) tallest[g.rank[v]] = Math.max(tallest[g.rank[v]], height[v]);
  const rankY = new Float64Array(g.ranks);
  let top = spacing.margin;
  for (let r = 0; r < g.ranks; r++) {
    rankY[r] = top + tallest[r] / 2;
    top += tallest[r] + spacing.rankGap;
  }
  return { rankY, bottom: top - spacing.rankGap + spacing.margin };
}
