import { describe, expect, it } from 'vitest';
import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { allScopes } from '../../shared/layout/index.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { scopedModel } from './test-models.js';

const labels = (info: GraphInfo, expanded: ReadonlySet<string>) => {
  const v = buildViewGraph(prepareGraph(info), expanded);
  return { v, byKey: (k: string) => v.items[v.keyIndex.get(k)!] };
};

describe('view graph', () => {
  const info = graphInfoOf(scopedModel());
  const nodeId = (name: string) => info.nodes.find((n) => n.name === name)!.id;

  it('draws every node, the graph inputs and outputs, with accessible names', () => {
    const { v, byKey } = labels(info, allScopes(prepareGraph(info).tree));
    expect(v.items.filter((i) => i.kind === 'node')).toHaveLength(8);
    expect(v.items.filter((i) => i.kind === 'input').map((i) => i.ariaLabel)).toEqual(['graph input x', 'graph input cond']);
    expect(v.items.filter((i) => i.kind === 'output').map((i) => i.ariaLabel)).toEqual(['graph output out']);
    expect(byKey(`n:${nodeId('/enc/Conv')}`).ariaLabel).toBe('graph node /enc/Conv');
    expect(byKey(`n:${nodeId('/enc/Conv')}`).category).toBe('conv');
  });

  it('shows initializers on their node with schema slot names and shapes', () => {
    const { byKey } = labels(info, allScopes(prepareGraph(info).tree));
    expect(byKey(`n:${nodeId('/enc/Conv')}`).lines).toEqual(['W⟨4×3×3×3⟩', 'B⟨4⟩']);
    expect(byKey(`n:${nodeId('/enc/block.0/Conv')}`).lines).toEqual(['W⟨4×4×3×3⟩']);
  });

  it('labels edges with element type and shape, marking inferred ones', () => {
    const { v } = labels(info, allScopes(prepareGraph(info).tree));
    const relu = v.edges.find((e) => e.value === 'r' && v.items[e.target].title === '/enc/Add')!;
    expect(relu.label).toBe('float[1×4×8×8]');
    expect(relu.inferred).toBe(true);
    const input = v.edges.find((e) => e.value === 'x')!;
    expect(input.label).toBe('float[1×3×8×8]');
    expect(input.inferred).toBe(false);
    // One edge per value read: Add reads r (residual) and b.
    expect(v.edges.filter((e) => v.items[e.target].title === '/enc/Add').map((e) => e.value)).toEqual(['r', 'b']);
  });

  it('collapses a scope into one box with one edge per neighbouring box', () => {
    const p = prepareGraph(info);
    const v = buildViewGraph(p, new Set(['/enc', '/head']));
    const block = v.items[v.keyIndex.get('s:/enc/block.0')!];
    expect(block.kind).toBe('scope');
    expect(block.lines).toEqual(['2 nodes']);
    expect(block.ariaLabel).toBe('graph scope /enc/block.0');
    const inner = p.info.nodes.findIndex((n) => n.name === '/enc/block.0/Relu');
    expect(v.itemOfNode[inner]).toBe(v.keyIndex.get('s:/enc/block.0'));
    const into = v.edges.filter((e) => e.target === v.keyIndex.get('s:/enc/block.0'));
    expect(into).toHaveLength(1);
    const all = buildViewGraph(p, new Set());
    expect(all.items.filter((i) => i.kind === 'scope').map((i) => i.title)).toEqual(['/enc', '/head']);
    expect(all.edges.filter((e) => all.items[e.source].kind === 'scope' && all.items[e.target].kind === 'scope')).toHaveLength(1);
  });

  it('draws values a subgraph reads from the enclosing graph as implicit edges', () => {
    const withImplicit: GraphInfo = { ...info, nodes: info.nodes.map((n) => (n.opType === 'If' ? { ...n, implicitInputs: ['flat'] } : n)) };
    const { v } = labels(withImplicit, allScopes(prepareGraph(withImplicit).tree));
    const e = v.edges.find((x) => x.implicit)!;
    expect(v.items[e.source].title).toBe('/head/Flatten');
    expect(v.items[e.target].title).toBe('/head/If');
  });

  it('shows values read from an enclosing graph as inputs of a subgraph', () => {
    const sub: GraphInfo = {
      path: [{ nodeId: 1, attribute: 'then_branch' }],
      name: 'then_branch',
      nodes: [{ id: 9, name: 'head/Softmax', opType: 'Softmax', domain: '', inputs: ['flat'], outputs: ['then_out'], attributes: {}, subgraphs: [] }],
      inputs: [],
      outputs: ['then_out'],
      initializers: [],
      values: [],
    };
    const p = prepareGraph(sub);
    const v = buildViewGraph(p, allScopes(p.tree));
    expect(v.items.map((i) => i.ariaLabel)).toEqual(['graph input flat', 'graph node head/Softmax', 'graph output then_out']);
    expect(v.items[0].title).toContain('enclosing graph');
  });

  it('gives the layout every box and edge', () => {
    const { v } = labels(info, allScopes(prepareGraph(info).tree));
    const input = layoutInputOf(v);
    expect(input.widths.length).toBe(v.items.length);
    expect(input.sources.length).toBe(v.edges.length);
    expect(Math.min(...input.widths)).toBeGreaterThanOrEqual(48);
  });
});
