import { describe, expect, it } from 'vitest';
import { highlightsOf, itemIndexOfKey } from '../../renderer/graph/highlights.js';
import { buildScene, itemAt, itemsIn } from '../../renderer/graph/scene.js';
import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { allScopes, layoutGraph } from '../../shared/layout/index.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { scopedModel } from './test-models.js';

function sceneOf(expanded?: (all: Set<string>) => Set<string>) {
  const p = prepareGraph(graphInfoOf(scopedModel()));
  const all = allScopes(p.tree);
  const view = buildViewGraph(p, expanded ? expanded(all) : all);
  return buildScene(view, layoutGraph(layoutInputOf(view)));
}

describe('scene', () => {
  it('labels each value once, at the edge leaving its producer', () => {
    const s = sceneOf();
    const labelled = s.view.edges.filter((_, j) => !Number.isNaN(s.labelX[j]));
    const values = labelled.map((e) => `${e.source}:${e.value}`);
    expect(new Set(values).size).toBe(values.length);
    // r feeds both the block and the residual Add; it is labelled once.
    expect(labelled.filter((e) => e.value === 'r')).toHaveLength(1);
    for (const [j, e] of s.view.edges.entries()) if (Number.isNaN(s.labelX[j])) expect(labelled.some((l) => l.source === e.source && l.value === e.value) || !e.label).toBe(true);
  });

  it('finds the box under a point and the boxes in a rectangle', () => {
    const s = sceneOf();
    const conv = s.view.keyIndex.get(`n:${s.view.prepared.info.nodes[0].id}`)!;
    expect(itemAt(s, s.layout.x[conv], s.layout.y[conv])).toBe(conv);
    expect(itemAt(s, -1000, -1000)).toBe(-1);
    expect(itemsIn(s, { x0: -1e9, y0: -1e9, x1: 1e9, y1: 1e9 })).toHaveLength(s.view.items.length);
    expect(itemsIn(s, { x0: s.layout.x[conv] - 1, y0: s.layout.y[conv] - 1, x1: s.layout.x[conv] + 1, y1: s.layout.y[conv] + 1 })).toEqual([conv]);
  });

  it('frames expanded scopes around their boxes', () => {
    const s = sceneOf();
    const block = s.frames.find((f) => f.path === '/enc/block.0')!;
    expect(block.label).toBe('block.0');
    for (const name of ['/enc/block.0/Conv', '/enc/block.0/Relu']) {
      const i = s.view.keyIndex.get(`n:${s.view.prepared.info.nodes.find((n) => n.name === name)!.id}`)!;
      expect(s.layout.x[i]).toBeGreaterThan(block.x0);
      expect(s.layout.x[i]).toBeLessThan(block.x1);
      expect(s.layout.y[i]).toBeGreaterThan(block.y0);
      expect(s.layout.y[i]).toBeLessThan(block.y1);
    }
  });

  it('leaves out frames that would enclose many boxes of other scopes', () => {
    const p = prepareGraph(graphInfoOf(transformerModel({ kind: 'encoder', layers: 2 }), false));
    const view = buildViewGraph(p, allScopes(p.tree));
    const s = buildScene(view, layoutGraph(layoutInputOf(view)));
    expect(s.frames.length).toBeGreaterThan(0);
    for (const f of s.frames) {
      let foreign = 0;
      let members = 0;
      view.items.forEach((item, i) => {
        const x = s.layout.x[i];
        const y = s.layout.y[i];
        if (x < f.x0 || x > f.x1 || y < f.y0 || y > f.y1) return;
        if (item.title.startsWith(`${f.path}/`)) members++;
        else foreign++;
      });
      expect(foreign).toBeLessThanOrEqual(Math.max(1, members / 5));
    }
  });

  it('lights up a collapsed scope for a selected or matched node inside it', () => {
    const s = sceneOf((all) => new Set([...all].filter((x) => x !== '/enc/block.0')));
    const inner = s.view.prepared.info.nodes.find((n) => n.name === '/enc/block.0/Relu')!.id;
    const box = s.view.keyIndex.get('s:/enc/block.0')!;
    expect(itemIndexOfKey(s.view, `n:${inner}`)).toBe(box);
    const h = highlightsOf(s.view, new Set([inner]), new Set([`n:${inner}`, 'i:x']), `n:${inner}`);
    expect(h.selected[box]).toBe(1);
    expect(h.matched[box]).toBe(1);
    expect(h.matched[s.view.keyIndex.get('i:x')!]).toBe(1);
    expect(h.focus).toBe(box);
    expect(h.selected.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
