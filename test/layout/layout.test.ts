import { describe, expect, it } from 'vitest';
import { LayoutCancelled, layoutGraph, layoutSteps } from '../../shared/layout/index.js';
import { inputOf, overlaps, transformerInput } from './layout-helpers.js';

function randomDag(n: number, m: number, seed: number): [number, number][] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const edges: [number, number][] = [];
  for (let j = 0; j < m; j++) {
    const a = Math.floor(next() * (n - 1));
    const b = a + 1 + Math.floor(next() * Math.min(20, n - a - 1));
    edges.push([a, b]);
  }
  return edges;
}

describe('layered layout', () => {
  it('places no two nodes on top of each other', () => {
    const input = inputOf(400, randomDag(400, 900, 7), (i) => [40 + (i % 7) * 13, 24 + (i % 3) * 13]);
    const r = layoutGraph(input);
    expect(overlaps(input, r)).toEqual([]);
  });

  it('makes every edge run down the ranks, source above target', () => {
    const input = inputOf(400, randomDag(400, 900, 11));
    const r = layoutGraph(input);
    for (let j = 0; j < input.sources.length; j++) {
      const [s, t] = [input.sources[j], input.targets[j]];
      expect(r.rank[s]).toBeLessThan(r.rank[t]);
      expect(r.y[s]).toBeLessThan(r.y[t]);
      // The polyline starts on the source and ends on the target.
      const first = r.pointStart[j];
      const last = r.pointStart[j + 1] - 1;
      expect(r.points[2 * first]).toBeCloseTo(r.x[s]);
      expect(r.points[2 * last]).toBeCloseTo(r.x[t]);
    }
  });

  it('is deterministic', () => {
    const input = inputOf(300, randomDag(300, 700, 3));
    const a = layoutGraph(input);
    const b = layoutGraph(input);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Array.from(a.points)).toEqual(Array.from(b.points));
  });

  it('draws a tree without crossings, parents between their children, the root centred', () => {
    const input = inputOf(7, [[0, 1], [0, 2], [1, 3], [1, 4], [2, 5], [2, 6]]);
    const r = layoutGraph(input);
    expect(r.stats.crossings).toBe(0);
    expect(r.x[3]).toBeLessThan(r.x[1]);
    expect(r.x[1]).toBeLessThan(r.x[4]);
    expect(r.x[4]).toBeLessThan(r.x[5]);
    expect(r.x[5]).toBeLessThan(r.x[2]);
    expect(r.x[2]).toBeLessThan(r.x[6]);
    expect(r.x[0]).toBeCloseTo((r.x[1] + r.x[2]) / 2, 0);
  });

  it('keeps a column of layers straight beside a bus that feeds every layer', () => {
    // A chain of 200 "layers", each also reading one shared value (an attention mask).
    const n = 202;
    const edges: [number, number][] = [[0, 2]];
    for (let i = 2; i + 1 < n; i++) edges.push([i, i + 1]);
    for (let i = 2; i < n; i++) edges.push([1, i]);
    const r = layoutGraph(inputOf(n, edges));
    const xs = Array.from(r.x.subarray(2));
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(60);
  });

  it('untangles a crossing the input order has', () => {
    // 0 and 1 feed 3 and 2 crosswise; the sweeps should swap one pair.
    const input = inputOf(4, [[0, 3], [1, 2]]);
    expect(layoutGraph(input).stats.crossings).toBe(0);
  });

  it('breaks cycles and drops self loops without failing', () => {
    const input = inputOf(5, [[0, 1], [1, 2], [2, 0], [2, 3], [3, 3], [3, 4], [4, 1]]);
    const r = layoutGraph(input);
    const reversed = Array.from(r.reversed).reduce((a, b) => a + b, 0);
    expect(reversed).toBeGreaterThanOrEqual(1);
    for (let j = 0; j < input.sources.length; j++) {
      const [s, t] = [input.sources[j], input.targets[j]];
      if (s === t) continue;
      if (r.reversed[j]) expect(r.rank[t]).toBeLessThan(r.rank[s]);
      else expect(r.rank[s]).toBeLessThan(r.rank[t]);
    }
    expect(overlaps(input, r)).toEqual([]);
  });

  it('routes long edges through dummy points and shares one chain per source', () => {
    // 0 feeds 1 (next rank) and 5 (four ranks down); the chain is shared with the edge to 4.
    const input = inputOf(6, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [0, 5], [0, 4]]);
    const r = layoutGraph(input);
    expect(r.pointStart[6] - r.pointStart[5]).toBe(r.rank[5] - r.rank[0] + 1);
    expect(r.stats.dummies).toBe(r.rank[5] - r.rank[0] - 1);
    expect(r.drawFrom[5] + r.drawFrom[6]).toBeGreaterThan(0);
  });

  it('can be cancelled between steps', () => {
    const input = inputOf(200, randomDag(200, 400, 5));
    let asked = 0;
    expect(() => layoutGraph(input, {}, () => ++asked > 2)).toThrow(LayoutCancelled);
    const steps = Array.from(layoutSteps(input));
    expect(steps.length).toBeGreaterThan(3);
    expect(steps.map((s) => s.fraction)).toEqual([...steps.map((s) => s.fraction)].sort((a, b) => a - b));
  });

  it('lays out a 100,000-node chain without touching the call stack', () => {
    const n = 100_000;
    const edges: [number, number][] = Array.from({ length: n - 1 }, (_, i) => [i, i + 1]);
    const r = layoutGraph(inputOf(n, edges));
    expect(r.rank[n - 1]).toBe(n - 1);
    expect(r.x[n - 1]).toBeCloseTo(r.x[0]);
  });

  it('lays out a 15,000-node GPT-style decoder quickly and cleanly', () => {
    const input = transformerInput({ layers: 128, kind: 'decoder' });
    expect(input.widths.length).toBeGreaterThan(14_900);
    const start = performance.now();
    const r = layoutGraph(input);
    const ms = performance.now() - start;
    // Dagre overflows the stack on this graph; ours takes well under a second on a free core.
    expect(ms).toBeLessThan(15_000);
    expect(overlaps(input, r)).toEqual([]);
    for (let j = 0; j < input.sources.length; j++) expect(r.rank[input.sources[j]]).toBeLessThan(r.rank[input.targets[j]]);
    expect(r.stats.crossings).toBeLessThan(input.sources.length / 20);
  });
});
