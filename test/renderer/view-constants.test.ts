import { describe, expect, it } from 'vitest';
import { buildScene } from '../../renderer/graph/scene.js';
import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { allScopes, layoutGraph } from '../../shared/layout/index.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { fanOutModel } from './test-models.js';

// Constants drawn inside the nodes that read them, captions for nodes alone in their scope, and
// frames only around scopes of two or more boxes, on the builder's fan-out model.

describe('constants inside their readers', () => {
  const info = graphInfoOf(fanOutModel([3, 4]));
  const p = prepareGraph(info);
  const byName = (name: string) => info.nodes.findIndex((n) => n.name === name);

  it('draws no box and no edge for a constant, and a line in each node reading it', () => {
    const v = buildViewGraph(p, allScopes(p.tree));
    const constants = info.nodes.filter((n) => n.opType === 'Constant');
    expect(constants).toHaveLength(3);
    for (const c of constants) expect(v.keyIndex.has(`n:${c.id}`)).toBe(false);
    expect(v.items.filter((i) => i.kind === 'node')).toHaveLength(info.nodes.length - 3);
    expect(v.edges.some((e) => constants.some((c) => c.outputs[0] === e.value))).toBe(false);
    const split = v.items[v.itemOfNode[byName('/stage3/Split')]];
    expect(split.lines).toEqual(['split⟨int64 3⟩ = 8, 8, 8']);
    expect(split.lineNodes).toEqual([byName('/stage3/Constant')]);
    // The scale constant feeds both stages' Mul: shown once in each.
    for (const mul of ['/stage3/Mul', '/stage4/Mul']) {
      const item = v.items[v.itemOfNode[byName(mul)]];
      expect(item.lines).toEqual(['B⟨float⟩ = 0.5']);
      expect(item.lineNodes).toEqual([byName('/Constant')]);
    }
    // Search and selection of the shared constant go to the first node reading it.
    expect(v.itemOfNode[byName('/Constant')]).toBe(v.itemOfNode[byName('/stage3/Mul')]);
  });

  it('draws constants as boxes with edges when the toggle is off', () => {
    const v = buildViewGraph(p, allScopes(p.tree), { inlineConstants: false });
    expect(v.items.filter((i) => i.kind === 'node')).toHaveLength(info.nodes.length);
    const scale = v.itemOfNode[byName('/Constant')];
    expect(v.items[scale].label).toBe('Constant');
    expect(v.edges.filter((e) => e.source === scale).map((e) => v.items[e.target].title)).toEqual(['/stage3/Mul', '/stage4/Mul']);
    expect(v.items[v.itemOfNode[byName('/stage3/Split')]].lines).toEqual([]);
  });

  it('keeps a box for a constant that is a graph output', () => {
    const withOutput = { ...info, outputs: [...info.outputs, info.nodes[byName('/Constant')].outputs[0]] };
    const q = prepareGraph(withOutput);
    const v = buildViewGraph(q, allScopes(q.tree));
    expect(v.keyIndex.has(`n:${info.nodes[byName('/Constant')].id}`)).toBe(true);
  });
});

describe('scope frames and captions', () => {
  const info = graphInfoOf(fanOutModel([3, 4]));
  const p = prepareGraph(info);
  const byName = (name: string) => info.nodes.findIndex((n) => n.name === name);

  it('frames scopes of two or more boxes, and names a node alone in its scope inside it', () => {
    const v = buildViewGraph(p, allScopes(p.tree));
    const scene = buildScene(v, layoutGraph(layoutInputOf(v)));
    expect(scene.frames.map((f) => f.path).sort()).toEqual(['/stage3', '/stage4']);
    const identity = v.items[v.itemOfNode[byName('/out/Identity')]];
    expect(identity.caption).toBe('out');
    expect(identity.height).toBe(24 + 13);
    expect(v.items[v.itemOfNode[byName('/stage3/Split')]].caption).toBe('');
  });

  it('never collapses a scope of one node', () => {
    const collapsed = buildViewGraph(p, new Set());
    expect(collapsed.items.map((i) => i.key).filter((k) => k.startsWith('s:'))).toEqual(['s:/stage3', 's:/stage4']);
    expect(collapsed.items[collapsed.itemOfNode[byName('/out/Identity')]].kind).toBe('node');
  });
});
