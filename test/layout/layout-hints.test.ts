import { describe, expect, it } from 'vitest';
import { graphInfo } from '../../electron/service/graph-info.js';
import { layoutHints } from '../../renderer/layout/layout-hints.js';
import { buildViewGraph, layoutInputOf, prepareGraph, type ViewGraph } from '../../renderer/graph/view-graph.js';
import { IrModel } from '../../shared/ir/model.js';
import { allScopes, layoutGraph, type LayoutResult } from '../../shared/layout/index.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { overlaps } from './layout-helpers.js';

// The layout after an edit, started from the previous drawing (LayoutInput.hints): on a builder
// decoder before and after ort-fuse-gelu, it is as clean as a layout from scratch (no overlaps,
// edges down the ranks, no more crossings) and keeps the boxes the edit did not touch in the
// left-to-right order the user saw, nearer their old place than a layout from scratch.

function viewOf(ir: IrModel): ViewGraph {
  const p = prepareGraph(graphInfo(ir.graph, [], undefined));
  return buildViewGraph(p, allScopes(p.tree));
}

/** Of the pairs of kept boxes that share a rank in both layouts, the share whose left-right order is the same. */
function orderKept(before: ViewGraph, a: LayoutResult, after: ViewGraph, b: LayoutResult): number {
  const old = new Map(before.items.map((it, i) => [it.key, i]));
  const byRank = new Map<string, number[]>();
  after.items.forEach((it, i) => {
    const j = old.get(it.key);
    if (j === undefined) return;
    const key = `${a.rank[j]}:${b.rank[i]}`;
    byRank.set(key, [...(byRank.get(key) ?? []), i]);
  });
  let same = 0;
  let pairs = 0;
  for (const boxes of byRank.values()) {
    for (let s = 0; s < boxes.length; s++) {
      for (let t = s + 1; t < boxes.length; t++) {
        const [i, k] = [boxes[s]!, boxes[t]!];
        const [oi, ok] = [old.get(after.items[i]!.key)!, old.get(after.items[k]!.key)!];
        pairs++;
        if (Math.sign(b.x[i]! - b.x[k]!) === Math.sign(a.x[oi]! - a.x[ok]!)) same++;
      }
    }
  }
  return same / pairs;
}

describe('layout hints after an edit', () => {
  it('lays out the fused decoder from the previous drawing as cleanly, keeping the order of what stayed', async () => {
    const ir = new IrModel(transformerModel({ kind: 'decoder', layers: 6, constantNodes: true }));
    const before = viewOf(ir);
    const first = layoutGraph(layoutInputOf(before));
    const registry = defaultOperations();
    await applyOperation(ir, resolveOperation(registry, ir, 'ort-fuse-gelu', {}), {}, 'fuse');
    const after = viewOf(ir);
    const scene = { view: before, layout: first } as Parameters<typeof layoutHints>[0];
    const hints = layoutHints(scene, after)!;
    expect(hints).toBeDefined();
    expect(hints.filter((x) => Number.isNaN(x)).length).toBeGreaterThan(0); // the fused nodes are new

    const input = layoutInputOf(after);
    const cold = layoutGraph(input);
    const warm = layoutGraph({ ...input, hints });
    expect(overlaps(input, warm)).toEqual([]);
    input.sources.forEach((s, j) => {
      if (!warm.reversed[j]) expect(warm.rank[s]!).toBeLessThan(warm.rank[input.targets[j]!]!);
    });
    expect(warm.stats.crossings).toBeLessThanOrEqual(cold.stats.crossings);
    // Boxes the edit kept keep their left-to-right order, and stay nearer their old place than from scratch.
    expect(orderKept(before, first, after, warm)).toBeGreaterThan(0.95);
    const shift = (r: LayoutResult) => {
      const old = new Map(before.items.map((it, i) => [it.key, first.x[i]!]));
      let sum = 0;
      after.items.forEach((it, i) => (sum += Math.abs(r.x[i]! - (old.get(it.key) ?? r.x[i]!))));
      return sum;
    };
    expect(shift(warm)).toBeLessThan(shift(cold));
  });

  it('gives no hints for a drawing mostly new (another graph)', () => {
    const small = viewOf(new IrModel(transformerModel({ kind: 'encoder', layers: 1 })));
    const big = viewOf(new IrModel(transformerModel({ kind: 'decoder', layers: 4 })));
    expect(layoutHints({ view: small, layout: layoutGraph(layoutInputOf(small)) } as Parameters<typeof layoutHints>[0], big)).toBeUndefined();
    expect(layoutHints(null, big)).toBeUndefined();
  });
});
