import { describe, expect, it } from 'vitest';
import type { GraphInfo, GraphNodeInfo } from '../../shared/protocol/backend.js';
import { applyGraphChanges, graphChanges, listPatch } from '../../shared/protocol/graph-changes.js';

// The list patches getGraphChanges sends: removed keys, and the added, changed and moved items at
// their new index; applying one gives the new list exactly. A patch that does not fit is refused.

const node = (id: number, opType = 'Relu', inputs: string[] = []): GraphNodeInfo => ({ id, name: `n${id}`, opType, domain: '', inputs, outputs: [`v${id}`], attributes: {}, subgraphs: [] });
const graph = (nodes: GraphNodeInfo[], version: number): GraphInfo => ({ path: [], name: 'g', nodes, inputs: [], outputs: [], initializers: [], values: [], version });
const same = (a: number, b: number) => a === b;

describe('graph changes', () => {
  it('puts only added, changed and moved items; the rest keep their order', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = [1, 7, 3, 5, 4, 6, 8];
    const p = listPatch(a, b, (x) => x, same);
    expect(p.removed).toEqual([2]);
    // 4 and 5 swapped: one of them moves, the longest run of the others stays.
    expect(p.put).toHaveLength(3);
    expect(p.put.map((x) => x.item)).toEqual(expect.arrayContaining([7, 8]));
    const patched = applyGraphChanges(graph(a.map((i) => node(i)), 1), graphChanges(graph(a.map((i) => node(i)), 1), graph(b.map((i) => node(i)), 2), 1, 2));
    expect(patched.nodes.map((n) => n.id)).toEqual(b);
    expect(patched.version).toBe(2);
  });

  it('carries a node whose fields changed, and reproduces a reversed list', () => {
    const before = graph([node(1), node(2, 'Relu', ['x']), node(3)], 4);
    const after = graph([node(3), node(2, 'Sigmoid', ['x']), node(1)], 5);
    const c = graphChanges(before, after, 4, 5);
    expect(c.nodes.put.map((p) => p.item.id)).toContain(2);
    expect(applyGraphChanges(before, c)).toEqual(after);
  });

  it('refuses a patch for another version or one that does not fit', () => {
    const before = graph([node(1), node(2)], 1);
    const after = graph([node(1), node(3)], 2);
    const c = graphChanges(before, after, 1, 2);
    expect(() => applyGraphChanges({ ...before, version: 7 }, c)).toThrow(/version 1/);
    expect(() => applyGraphChanges(graph([node(1), node(2), node(9)], 1), c)).toThrow(/do not fit/);
  });
});
