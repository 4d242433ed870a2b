import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { allScopes, type LayoutInput, type LayoutResult } from '../../shared/layout/index.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { transformerModel, type TransformerOptions } from '../bench/bench-view-models.js';

/** A layout input from plain edge pairs, every node 60 × 24 unless sizes are given. */
export function inputOf(n: number, edges: [number, number][], size: (i: number) => [number, number] = () => [60, 24]): LayoutInput {
  const widths = new Float64Array(n);
  const heights = new Float64Array(n);
  for (let i = 0; i < n; i++) [widths[i], heights[i]] = size(i);
  return { widths, heights, sources: Int32Array.from(edges.map((e) => e[0])), targets: Int32Array.from(edges.map((e) => e[1])) };
}

/** The layout input of a transformer built with the model builder, every scope expanded. */
export function transformerInput(o: TransformerOptions): LayoutInput {
  const p = prepareGraph(graphInfoOf(transformerModel(o), false));
  return layoutInputOf(buildViewGraph(p, allScopes(p.tree)));
}

/** Pairs of nodes whose boxes overlap (an empty list for a good layout). */
export function overlaps(input: LayoutInput, r: LayoutResult): [number, number][] {
  const n = input.widths.length;
  const byTop = Array.from({ length: n }, (_, i) => i).sort((a, b) => r.y[a] - input.heights[a] / 2 - (r.y[b] - input.heights[b] / 2));
  const found: [number, number][] = [];
  // Sweep down the page keeping the boxes that are still open; boxes in one rank overlap in y.
  let open: number[] = [];
  for (const v of byTop) {
    const top = r.y[v] - input.heights[v] / 2;
    open = open.filter((u) => r.y[u] + input.heights[u] / 2 > top);
    for (const u of open) {
      const apart = Math.abs(r.x[u] - r.x[v]) >= (input.widths[u] + input.widths[v]) / 2;
      if (!apart) found.push([u, v]);
    }
    open.push(v);
  }
  return found;
}
