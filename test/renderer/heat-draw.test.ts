import { describe, expect, it } from 'vitest';
import { boxesByColor } from '../../renderer/graph/box-colors.js';
import { heatColor, NO_HEAT_COLOR } from '../../renderer/graph/heat-color.js';
import { buildScene } from '../../renderer/graph/scene.js';
import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { CATEGORY_COLORS } from '../../renderer/operators/categories.js';
import { allScopes, layoutGraph } from '../../shared/layout/index.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { scopedModel } from './test-models.js';

// How the canvas fills boxes: with a heat map by heat (the hottest darkest, unmeasured ones
// grey), one batch per colour; without it by operator category.

function scene() {
  const p = prepareGraph(graphInfoOf(scopedModel()));
  const view = buildViewGraph(p, allScopes(p.tree));
  return buildScene(view, layoutGraph(layoutInputOf(view)));
}

describe('box fills on the canvas', () => {
  it('groups boxes by heat colour', () => {
    const s = scene();
    const n = s.view.items.length;
    const all = Array.from({ length: n }, (_, i) => i);
    const heat = new Float32Array(n).fill(Number.NaN);
    heat[0] = 1;
    heat[1] = 0.5;
    heat[2] = 0.52;
    const fills = boxesByColor(s, all, heat);
    expect(fills.get(heatColor(1))).toEqual([0]);
    // Near values share a colour (quantized): one path for both.
    expect(fills.get(heatColor(0.5))).toEqual([1, 2]);
    expect(fills.get(NO_HEAT_COLOR)).toHaveLength(n - 3);
    expect(heatColor(1)).not.toBe(heatColor(0.5));
    expect(heatColor(0)).not.toBe(NO_HEAT_COLOR);
  });

  it('groups by operator category without a heat map', () => {
    const s = scene();
    const all = s.view.items.map((_, i) => i);
    const fills = boxesByColor(s, all, null);
    expect(fills.has(NO_HEAT_COLOR)).toBe(false);
    for (const [color, boxes] of fills) for (const i of boxes) expect(CATEGORY_COLORS[s.view.items[i].category]).toBe(color);
    expect([...fills.values()].flat().sort((a, b) => a - b)).toEqual(all);
  });
});
