import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { assembleGraph, graphPart, graphPartCount } from '../../shared/protocol/graph-parts.js';

// A graph crosses the transport in parts; these check the cutting and the putting together.

function graphOf(nodes: number, values: number, initializers: number): GraphInfo {
  return {
    path: [],
    name: 'g',
    inputs: ['x'],
    outputs: ['y'],
    nodes: Array.from({ length: nodes }, (_, i) => ({ id: i, name: `n${i}`, opType: 'Relu', domain: '', inputs: [], outputs: [], attributes: {}, subgraphs: [] })),
    values: Array.from({ length: values }, (_, i) => ({ name: `v${i}`, elemType: 'float', shape: [i], source: 'declared' as const })),
    initializers: Array.from({ length: initializers }, (_, i) => ({ name: `w${i}`, elemType: 'float', dims: [i] })),
  };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('graph parts', () => {
  it('cut every list at the part size, and the longest list sets the count', () => {
    const g = graphOf(25, 7, 61);
    expect(graphPartCount(g, 10)).toBe(7);
    const third = graphPart(g, 2, 10);
    expect(third.parts).toBe(7);
    expect(third.totals).toEqual({ nodes: 25, values: 7, initializers: 61 });
    expect(third.graph.nodes.map((n) => n.id)).toEqual([20, 21, 22, 23, 24]);
    expect(third.graph.values).toEqual([]);
    expect(third.graph.initializers.map((i) => i.name)).toEqual(['w20', 'w21', 'w22', 'w23', 'w24', 'w25', 'w26', 'w27', 'w28', 'w29']);
    expect(third.graph.inputs).toEqual(['x']);
    expect(graphPartCount(graphOf(0, 0, 0), 10)).toBe(1);
  });

  it('put back together give the graph that was cut', async () => {
    const g = graphOf(95, 40, 13);
    const fetched: number[] = [];
    const whole = await assembleGraph(async (part) => {
      fetched.push(part);
      return clone(graphPart(g, part, 10));
    });
    expect(fetched).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(whole).toEqual(g);
  });

  it('refuse a part past the end', () => {
    expect(() => graphPart(graphOf(5, 5, 5), 1, 10)).toThrow(WorkbenchError);
    expect(() => graphPart(graphOf(5, 5, 5), 1, 10)).toThrow(/graph part 1 asked for, but the graph has 1 part/);
  });

  it('notice a graph that changed between parts', async () => {
    const before = graphOf(30, 30, 0);
    const after = graphOf(31, 30, 0);
    const mixed = assembleGraph(async (part) => clone(graphPart(part === 0 ? before : after, part, 10)));
    await expect(mixed).rejects.toMatchObject({ code: 'BAD_RESPONSE', message: 'the graph changed while it was being read; open it again' });
    const short = assembleGraph(async (part) => {
      const p = clone(graphPart(before, part, 10));
      if (part === 1) p.graph.nodes.pop();
      return p;
    });
    await expect(short).rejects.toMatchObject({ code: 'BAD_RESPONSE', message: 'the graph arrived incomplete (29 of 30 nodes)' });
  });
});
