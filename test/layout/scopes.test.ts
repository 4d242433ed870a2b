import { describe, expect, it } from 'vitest';
import { ancestorScopes, buildScopeTree, collapsedRepresentatives, defaultExpansion, scopeLabel, scopeOfName } from '../../shared/layout/index.js';
import { transformerModel } from '../bench/bench-view-models.js';

describe('name scopes', () => {
  it('takes the scope from the name before its last slash', () => {
    expect(scopeOfName('/encoder/layer.3/attention/MatMul')).toBe('/encoder/layer.3/attention');
    expect(scopeOfName('stem/Conv')).toBe('/stem');
    expect(scopeOfName('Conv_0')).toBe('');
    expect(scopeOfName('/MatMul')).toBe('');
    expect(scopeLabel('/encoder/layer.3')).toBe('layer.3');
    expect(ancestorScopes('/a/b/c')).toEqual(['/a', '/a/b', '/a/b/c']);
    expect(ancestorScopes('')).toEqual([]);
  });

  it('builds the tree with node counts', () => {
    const t = buildScopeTree(['/a/b/X', '/a/b/Y', '/a/Z', 'W', '/c/d/e/V']);
    // Parents come before their children.
    expect(t.paths).toEqual(['', '/a', '/a/b', '/c', '/c/d', '/c/d/e']);
    for (let s = 1; s < t.paths.length; s++) expect(t.parent[s]).toBeLessThan(s);
    const at = (p: string) => t.paths.indexOf(p);
    expect(t.total[at('/a')]).toBe(3);
    expect(t.total[0]).toBe(5);
    expect(t.items[at('/a')]).toBe(2); // Z and the scope /a/b
    expect(t.items[0]).toBe(3); // W, /a, /c
    expect(t.parent[at('/c/d/e')]).toBe(at('/c/d'));
    expect(t.depth[at('/c/d/e')]).toBe(3);
    expect(Array.from(t.scopeOf)).toEqual([at('/a/b'), at('/a/b'), at('/a'), 0, at('/c/d/e')]);
  });

  it('maps collapsed scopes to the topmost collapsed ancestor', () => {
    const t = buildScopeTree(['/a/b/X', '/a/b/Y', '/a/Z', '/c/V', '/c/W', '/d/U']);
    const rep = collapsedRepresentatives(t, new Set(['/a']));
    expect(rep[t.paths.indexOf('/a/b')]).toBe(t.paths.indexOf('/a/b'));
    expect(rep[t.paths.indexOf('/a')]).toBe(-1);
    expect(rep[t.paths.indexOf('/c')]).toBe(t.paths.indexOf('/c'));
    expect(rep[0]).toBe(-1);
    // A scope of one node never collapses: its box would only hide the node.
    expect(rep[t.paths.indexOf('/d')]).toBe(-1);
  });

  it('opens small graphs expanded and big ones collapsed to a level within the budget', () => {
    const small = buildScopeTree(transformerModel({ kind: 'decoder', layers: 2 }).graph!.node!.map((n) => n.name ?? ''));
    expect(defaultExpansion(small).size).toBe(small.paths.length - 1);
    const names = transformerModel({ kind: 'decoder', layers: 128 }).graph!.node!.map((n) => n.name ?? '');
    const big = buildScopeTree(names);
    const open = defaultExpansion(big);
    expect(open.has('/transformer')).toBe(true);
    expect(open.has('/transformer/h.127')).toBe(true);
    expect(open.has('/transformer/h.0/attn')).toBe(false);
    const rep = collapsedRepresentatives(big, open);
    let boxes = 0;
    for (let s = 0; s < big.paths.length; s++) if (rep[s] === s) boxes++;
    expect(boxes).toBeGreaterThan(128);
    expect(boxes).toBeLessThan(1500);
    const top = defaultExpansion(big, { budget: 200 });
    expect(top.has('/transformer')).toBe(true);
    expect(top.has('/transformer/h.0')).toBe(false);
  });
});
