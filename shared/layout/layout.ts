import { buildLayered } from './layered.js';
import { placeLabels, type LabelPlacement } from './labels.js';
import { orderLayers } from './order.js';
import { assignX, assignY } from './position.js';
import { assignRanks, orientEdges } from './rank.js';
import { routeEdges } from './route.js';
import { LayoutCancelled, type LayoutInput, type LayoutOptions, type LayoutProgress, type LayoutResult } from './types.js';

// The layered (Sugiyama-style) layout, top to bottom: orient and rank, add dummy chains for long
// edges, reduce crossings, assign coordinates, route edges. Near-linear in nodes + edges, and a
// generator: it yields between phases and sweeps, so a worker can stay responsive to a cancel
// message and report progress, and a plain caller can run it straight through.

const DEFAULTS: Required<LayoutOptions> = {
  nodeGap: 24,
  rankGap: 36,
  margin: 24,
  orderSweeps: 8,
  hintedSweeps: 2,
  positionSweeps: 8,
  dummyBudgetPerNode: 4,
  labelHeight: 12,
};

const LABELLED_RANK_GAP = 44;
/** Times the layout makes room for labels that found none (each adds a row under the ranks concerned). */
const LABEL_ROUNDS = 3;

/** Fewer sweeps on huge graphs keep the layout of 100,000 nodes within seconds. */
function effort(count: number, wanted: number): number {
  if (count > 200_000) return Math.min(wanted, 2);
  if (count > 60_000) return Math.min(wanted, 4);
  return wanted;
}

/** The layout as a sequence of steps; the generator's return value is the result. */
export function* layoutSteps(input: LayoutInput, options: LayoutOptions = {}): Generator<LayoutProgress, LayoutResult, void> {
  // Edges with labels get a wider gap between ranks: room for two rows of labels on short edges.
  const o = { ...DEFAULTS, ...(input.labelWidths ? { rankGap: LABELLED_RANK_GAP } : {}), ...options };
  const n = input.widths.length;
  const edges = orientEdges(n, input.sources, input.targets);
  yield { phase: 'rank', fraction: 0.05 };
  const rankOf = assignRanks(n, edges);
  const g = buildLayered(n, rankOf, edges, o.dummyBudgetPerNode * n + 10_000);
  yield { phase: 'order', fraction: 0.15 };
  const hints = input.hints?.length === n ? input.hints : undefined;
  const ordering = orderLayers(g, effort(g.count, hints ? o.hintedSweeps : o.orderSweeps), hints);
  let step = ordering.next();
  while (!step.done) {
    yield { phase: 'order', fraction: 0.15 + 0.45 * step.value };
    step = ordering.next();
  }
  const order = step.value;
  const positioning = assignX(g, order, input.widths, o, effort(g.count, o.positionSweeps));
  let placed = positioning.next();
  while (!placed.done) {
    yield { phase: 'position', fraction: 0.6 + 0.3 * placed.value };
    placed = positioning.next();
  }
  const x = placed.value;
  const { rankY, bottom } = assignY(g, input.heights, o);
  const y = new Float64Array(g.count);
  for (let v = 0; v < g.count; v++) y[v] = rankY[g.rank[v]];
  let minX = Infinity;
  let maxX = -Infinity;
  for (let v = 0; v < g.count; v++) {
    const half = v < n ? input.widths[v] / 2 : 0;
    minX = Math.min(minX, x[v] - half);
    maxX = Math.max(maxX, x[v] + half);
  }
  if (!g.count) minX = maxX = 0;
  const shift = o.margin - minX;
  for (let v = 0; v < g.count; v++) x[v] += shift;
  yield { phase: 'route', fraction: 0.92 };
  let routes = routeEdges(g, edges, x, y, input.heights, input.sourceOffsets);
  let straightEdges = 0;
  for (let j = 0; j < g.straight.length; j++) straightEdges += g.straight[j];
  const width = maxX - minX + 2 * o.margin;
  let height = bottom;
  let labels: LabelPlacement = { labelX: new Float64Array(input.sources.length).fill(NaN), labelY: new Float64Array(input.sources.length).fill(NaN), dropped: 0 };
  // Labels that found no room below a rank get it: one more row there, and the ranks below move down.
  for (let round = 0; input.labelWidths && round <= LABEL_ROUNDS; round++) {
    yield { phase: 'labels', fraction: 0.94 + 0.01 * round };
    const placing = placeLabels(x.subarray(0, n), y.subarray(0, n), input.widths, input.heights, routes, input.labelWidths, o.labelHeight, width);
    let placed = placing.next();
    for (; !placed.done; placed = placing.next()) yield { phase: 'labels', fraction: 0.94 + 0.01 * round };
    labels = placed.value;
    if (!labels.dropped || round === LABEL_ROUNDS) break;
    const extra = new Float64Array(g.ranks + 1);
    for (let j = 0; j < input.sources.length; j++) {
      if (input.labelWidths[j] > 0 && Number.isNaN(labels.labelX[j]) && edges.keep[j]) extra[g.rank[edges.from[j]] + 1] = o.labelHeight + 2;
    }
    for (let r = 1; r <= g.ranks; r++) extra[r] += extra[r - 1];
    for (let v = 0; v < g.count; v++) y[v] += extra[g.rank[v]];
    height += extra[g.ranks];
    routes = routeEdges(g, edges, x, y, input.heights, input.sourceOffsets);
  }
  return {
    x: x.slice(0, n),
    y: y.slice(0, n),
    rank: g.rank.slice(0, n),
    order: order.pos.slice(0, n),
    points: routes.points,
    pointStart: routes.pointStart,
    drawFrom: routes.drawFrom,
    reversed: edges.reversed,
    labelX: labels.labelX,
    labelY: labels.labelY,
    width,
    height,
    stats: { ranks: g.ranks, dummies: g.count - n, crossings: order.crossings, straightEdges, droppedLabels: labels.dropped },
  };
}

/** Runs the layout to the end; `cancelled` is asked between steps and stops it with LayoutCancelled. */
export function layoutGraph(input: LayoutInput, options: LayoutOptions = {}, cancelled?: () => boolean): LayoutResult {
  const steps = layoutSteps(input, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (cancelled?.()) throw new LayoutCancelled();
  }
}
