import { describe, expect, it } from 'vitest';
import { attrGraph, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { CLEANUP_PASSES } from '../../../shared/passes/cleanup/index.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { bytesOf, evaluator, opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const ints = (name: string, v: number[]) => tensor(name, ElemType.INT64, [v.length], v);

// A branch of an If: its op applied to the outer value `sum`.
const branch = (op: string) => graph({ name: op, nodes: [node(op, ['sum'], [`${op}_out`])], outputs: [valueInfo(`${op}_out`, F)] });

// One model with work for every cleanup pass.
function everything() {
  return model(
    graph({
      nodes: [
        node('Identity', ['x'], ['i']),
        node('Transpose', ['i'], ['t0'], { perm: [0, 1] }),
        node('Transpose', ['t0'], ['t1'], { perm: [1, 0] }),
        node('Transpose', ['t1'], ['t2'], { perm: [1, 0] }),
        node('Reshape', ['t2', 's1'], ['r1']),
        node('Reshape', ['r1', 's2'], ['r2']),
        node('Unsqueeze', ['r2', 'ax0'], ['u1']),
        node('Unsqueeze', ['u1', 'ax0'], ['u2']),
        node('Cast', ['u2'], ['c1'], { to: ElemType.DOUBLE }),
        node('Cast', ['c1'], ['c2'], { to: F }),
        node('Shape', ['x'], ['shape']),
        node('Cast', ['shape'], ['shape_f'], { to: F }),
        node('ReduceSum', ['shape_f'], ['shape_sum'], { keepdims: 0 }),
        node('Neg', ['w1'], ['nw1']),
        node('Neg', ['w2'], ['nw2']),
        node('Add', ['c2', 'nw1'], ['a1']),
        node('Add', ['c2', 'nw2'], ['a2']),
        node('Mul', ['a1', 'a2'], ['m']),
        node('Add', ['m', 'shape_sum'], ['sum0']),
        node('Mul', ['sum0', 'one'], ['sum']),
        // x is declared [2, 3]: the exporter's check on its first dim always holds.
        node('Gather', ['shape', 'idx0'], ['d0'], { axis: 0 }),
        node('Equal', ['d0', 'two'], ['is2']),
        node('If', ['is2'], ['y'], { then_branch: attrGraph(branch('Neg')), else_branch: attrGraph(branch('Abs')) }),
        node('Exp', ['x'], ['unread']),
      ],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: [valueInfo('y', F)],
      initializers: [
        ints('s1', [6]),
        ints('s2', [3, 2]),
        ints('ax0', [0]),
        tensor('idx0', ElemType.INT64, [], [0]),
        tensor('two', ElemType.INT64, [], [2]),
        tensor('w1', F, [3, 2], [1, 2, 3, 4, 5, 6]),
        tensor('w2', F, [3, 2], [1, 2, 3, 4, 5, 6]),
        tensor('unused', F, [1], [0]),
        tensor('one', F, [], [1]),
      ],
      valueInfo: [valueInfo('t2', F, [2, 3]), valueInfo('u2', F, [1, 1, 3, 2]), valueInfo('sum0', F, [1, 1, 3, 2])],
    }),
  );
}

describe('CLEANUP_PASSES', () => {
  it('lists every cleanup pass once, each exact (folding: its own level) and described in one line', () => {
    const names = CLEANUP_PASSES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(14);
    for (const p of CLEANUP_PASSES) {
      expect(p.numerics, p.name).toBe(p.name === 'constant-folding' ? 'folding' : 'exact');
      expect(p.target, p.name).toBe('portable');
      expect(p.description, p.name).toMatch(/^[^\n]{20,200}$/);
    }
  });

  it('together leave outputs bit-identical, each doing its part', async () => {
    const { model: m, result } = await optimizeAndCompare(everything(), CLEANUP_PASSES);
    const fired = Object.fromEntries(result.passes.map((p) => [p.name, p.matches]));
    for (const p of CLEANUP_PASSES) expect(fired[p.name], p.name).toBeGreaterThan(0);
    expect(opsOf(m)).toEqual(['Reshape', 'Unsqueeze', 'Add', 'Mul', 'Add', 'Neg']);
    // Folded values keep the names of the outputs they replace; the merged Unsqueeze's axes are new.
    expect([...m.graph.initializers.keys()].sort()).toEqual(['nw1', 's2', 'shape_sum', 'unsqueeze_axes']);
  });

  it('a dry run, and undo after a run, give back the original bytes', async () => {
    const m = new IrModel(everything());
    const before = bytesOf(m);
    await runPasses(m, CLEANUP_PASSES, { target: 'portable', evaluator, dryRun: true });
    expect(bytesOf(m)).toEqual(before);
    await runPasses(m, CLEANUP_PASSES, { target: 'portable', evaluator });
    expect(bytesOf(m)).not.toEqual(before);
    while (m.journal.canUndo) m.journal.undo();
    expect(bytesOf(m)).toEqual(before);
  });
});
