import { describe, expect, it } from 'vitest';
import { prepareGraph } from '../../renderer/graph/view-graph.js';
import { searchGraph } from '../../renderer/search/search-index.js';
import { graphInfoOf } from '../bench/bench-view-graph.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { scopedModel } from './test-models.js';

describe('search', () => {
  const p = prepareGraph(graphInfoOf(scopedModel()));
  const idOf = (name: string) => `n:${p.info.nodes.find((n) => n.name === name)!.id}`;

  it('finds a node by its name, case-insensitively', () => {
    const r = searchGraph(p, 'ENC/BLOCK.0/conv');
    expect(r.results.map((x) => x.key)).toEqual([idOf('/enc/block.0/Conv')]);
    expect(r.results[0].kind).toBe('name');
  });

  it('finds every node of an op type, exact op matches first', () => {
    const r = searchGraph(p, 'conv');
    expect(r.total).toBe(2);
    expect(r.keys).toEqual(new Set([idOf('/enc/Conv'), idOf('/enc/block.0/Conv')]));
    const relu = searchGraph(p, 'Relu');
    expect(relu.results.map((x) => x.kind)).toEqual(['op', 'op']);
  });

  it('finds a value by name and points at the node producing it', () => {
    const r = searchGraph(p, 'flat');
    expect(r.results[0]).toMatchObject({ key: idOf('/head/Flatten'), kind: 'value', text: 'flat' });
  });

  it('finds graph inputs and outputs', () => {
    expect(searchGraph(p, 'cond').results[0]).toMatchObject({ key: 'i:cond', kind: 'input' });
    expect(searchGraph(p, 'out').results.map((r) => r.key)).toContain('o:out');
  });

  it('ranks exact matches before prefixes before substrings', () => {
    const r = searchGraph(p, 'add');
    expect(r.results[0]).toMatchObject({ key: idOf('/enc/Add'), kind: 'op' });
    const big = prepareGraph(graphInfoOf(transformerModel({ kind: 'encoder', layers: 2 }), false));
    const matmul = searchGraph(big, 'matmul', 3);
    expect(matmul.results).toHaveLength(3);
    expect(matmul.total).toBeGreaterThan(3);
    expect(matmul.keys.size).toBe(matmul.total);
  });

  it('finds nothing for an empty or unmatched query', () => {
    expect(searchGraph(p, '  ').total).toBe(0);
    expect(searchGraph(p, 'no such thing').results).toEqual([]);
  });
});
