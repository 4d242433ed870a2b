import { describe, expect, it } from 'vitest';
import { attr, ElemType, graph, model, modelBytes, node, scalar, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';

const F = ElemType.FLOAT;

// x -> Conv -> c -> Relu -> r ─┐
// x -> Neg  -> n ──────────────┴-> Add -> y
// Neg sits between Conv and Relu in the file, so an edit that moved nodes would show in the bytes.
function sample(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [
          node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv' }),
          node('Neg', ['x'], ['n'], undefined, { name: 'neg' }),
          node('Relu', ['c'], ['r'], undefined, { name: 'relu' }),
          node('Add', ['r', 'n'], ['y'], undefined, { name: 'add' }),
        ],
        inputs: [valueInfo('x', F, [1, 1, 2, 2])],
        outputs: [valueInfo('y', F, [1, 1, 2, 2])],
        initializers: [tensor('w', F, [1, 1, 1, 1], [2]), tensor('b', F, [1], [0.5]), scalar('k', F, 7)],
        valueInfo: [valueInfo('c', F, [1, 1, 2, 2])],
      }),
    ),
  );
}

function load(): IrModel {
  return new IrModel(decodeModel(sample()));
}

function bytesOf(ir: IrModel): Uint8Array {
  return modelBytes(ir.toProto());
}

function byName(ir: IrModel, name: string): IrNode {
  const n = [...ir.graph.nodes].find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

function fuse(ir: IrModel): IrNode {
  const [fused] = ir.graph.replaceNodes(
    [byName(ir, 'conv'), byName(ir, 'relu')],
    [{ opType: 'FusedConv', domain: 'com.microsoft', name: 'conv_relu', inputs: ['x', 'w', 'b'], outputs: ['r'], attributes: [attr('activation', 'Relu')] }],
  );
  return fused!;
}

const sorted = <T extends number>(ids: readonly T[]) => [...ids].sort((a, b) => a - b);

describe('transactions', () => {
  it('groups edits into numbered states', () => {
    const ir = load();
    expect(ir.journal.state).toBe(0);
    expect(ir.journal.canUndo).toBe(false);
    ir.journal.transaction('two edits', () => {
      ir.graph.rename(byName(ir, 'neg'), 'negate');
      ir.graph.setAttribute(byName(ir, 'add'), attr('note', 'x'));
    });
    // An edit outside a transaction is a transaction of its own; a nested one joins its parent.
    ir.graph.rename(byName(ir, 'add'), 'sum');
    ir.journal.transaction('outer', () => ir.journal.transaction('inner', () => fuse(ir)));
    // Nothing changed, nothing recorded.
    ir.journal.transaction('empty', () => undefined);
    expect(ir.journal.state).toBe(3);
    const history = ir.journal.history();
    expect(history.map((t) => t.label)).toEqual(['two edits', 'edit', 'outer']);
    expect(history[0]!.changes.map((c) => c.kind)).toEqual(['changeNode', 'changeNode']);
    expect(history[2]!.changes.map((c) => c.kind)).toEqual(['removeNode', 'removeNode', 'addNode']);
  });

  it('rolls back a transaction that throws, leaving the model byte-identical', () => {
    const ir = load();
    const before = bytesOf(ir);
    const conv = byName(ir, 'conv');
    expect(() =>
      ir.journal.transaction('bad pass', () => {
        fuse(ir);
        ir.graph.addInitializer(scalar('z', F, 0));
        ir.graph.setGraphOutputs([valueInfo('r', F)]);
        throw new Error('guard failed half-way');
      }),
    ).toThrow('guard failed half-way');
    expect(bytesOf(ir)).toEqual(before);
    expect(ir.journal.state).toBe(0);
    expect(ir.journal.canUndo).toBe(false);
    expect(ir.graph.producer('c')).toBe(conv);
    expect(ir.findNode(conv.id)?.node).toBe(conv);
    expect(ir.graph.nodeCount).toBe(4);
  });

  it('rolls back a nested transaction that throws, even when the outer one catches the error', () => {
    const ir = load();
    const before = bytesOf(ir);
    ir.journal.transaction('pass', () => {
      ir.graph.rename(byName(ir, 'add'), 'sum');
      try {
        ir.journal.transaction('match', () => {
          fuse(ir);
          throw new Error('guard failed');
        });
      } catch {
        // the pass skips this match
      }
    });
    expect(ir.journal.state).toBe(1);
    expect(ir.journal.history()[0]!.changes.map((c) => c.kind)).toEqual(['changeNode']);
    expect(byName(ir, 'conv').name).toBe('conv');
    expect(ir.graph.nodeCount).toBe(4);
    ir.journal.undo();
    expect(bytesOf(ir)).toEqual(before);
  });

  it('a failed transaction keeps the redo stack; a successful one clears it', () => {
    const ir = load();
    ir.graph.rename(byName(ir, 'neg'), 'n2');
    ir.journal.undo();
    expect(() => ir.journal.transaction('bad', () => {
      ir.graph.rename(byName(ir, 'add'), 'zzz');
      throw new Error('no');
    })).toThrow();
    expect(ir.journal.canRedo).toBe(true);
    ir.graph.rename(byName(ir, 'add'), 'a2');
    expect(ir.journal.canRedo).toBe(false);
  });

  it('undo and redo with nothing to do are user errors', () => {
    const ir = load();
    expect(() => ir.journal.undo()).toThrow(expect.objectContaining({ code: 'NOTHING_TO_UNDO' }));
    expect(() => ir.journal.redo()).toThrow(WorkbenchError);
  });
});

describe('undo and redo', () => {
  const edits: [string, (ir: IrModel) => void][] = [
    ['setAttribute', (ir) => ir.graph.setAttribute(byName(ir, 'neg'), attr('note', 'x'))],
    ['removeAttribute', (ir) => ir.graph.removeAttribute(byName(ir, 'conv'), 'kernel_shape')],
    ['setInput', (ir) => ir.graph.setInput(byName(ir, 'add'), 1, 'r')],
    ['setInputs', (ir) => ir.graph.setInputs(byName(ir, 'conv'), ['x', 'w'])],
    ['setOutput', (ir) => ir.graph.setOutput(byName(ir, 'neg'), 0, 'n2')],
    ['rename', (ir) => ir.graph.rename(byName(ir, 'relu'), 'relu2')],
    ['removeNode (middle of the file)', (ir) => ir.graph.removeNode(byName(ir, 'neg'))],
    ['addNode', (ir) => ir.graph.addNode({ opType: 'Abs', inputs: ['n'], outputs: ['m'] })],
    ['replaceNodes', (ir) => void fuse(ir)],
    ['replaceAllUses', (ir) => ir.graph.replaceAllUses('n', 'x')],
    ['replaceAllUses of a graph output', (ir) => ir.graph.replaceAllUses('y', 'r')],
    ['setGraphInputs', (ir) => ir.graph.setGraphInputs([valueInfo('x', F, ['N', 1, 2, 2])])],
    ['setGraphOutputs', (ir) => ir.graph.setGraphOutputs([valueInfo('y', F), valueInfo('r', F)])],
    ['setValueInfo (replace)', (ir) => ir.graph.setValueInfo(valueInfo('c', F, [1, 1, null, null]))],
    ['setValueInfo (add)', (ir) => ir.graph.setValueInfo(valueInfo('n', F))],
    ['addInitializer (new)', (ir) => ir.graph.addInitializer(scalar('z', F, 0))],
    ['addInitializer (replace)', (ir) => ir.graph.addInitializer(tensor('w', F, [1, 1, 1, 1], [3]))],
    ['removeInitializer (first)', (ir) => ir.graph.removeInitializer('w')],
    [
      'several removals in one transaction',
      (ir) =>
        ir.journal.transaction('prune', () => {
          ir.graph.removeNode(byName(ir, 'conv'));
          ir.graph.removeNode(byName(ir, 'relu'));
          ir.graph.removeInitializer('b');
          ir.graph.removeInitializer('w');
          ir.graph.addInitializer(tensor('w', F, [1], [9]));
        }),
    ],
  ];

  for (const [label, edit] of edits) {
    it(`${label}: undo gives back the same bytes, redo the edited ones`, () => {
      const ir = load();
      const before = bytesOf(ir);
      edit(ir);
      const after = bytesOf(ir);
      expect(after).not.toEqual(before);
      ir.journal.undo();
      expect(bytesOf(ir)).toEqual(before);
      ir.journal.redo();
      expect(bytesOf(ir)).toEqual(after);
      ir.journal.undo();
      expect(bytesOf(ir)).toEqual(before);
    });
  }

  it('walks a history of several transactions back and forth', () => {
    const ir = load();
    const states = [bytesOf(ir)];
    const chain = ['replaceNodes', 'setAttribute', 'setOutput', 'removeNode (middle of the file)', 'addInitializer (new)', 'setGraphOutputs', 'removeInitializer (first)', 'setValueInfo (add)'];
    for (const label of chain) {
      const edit = edits.find(([l]) => l === label)![1];
      edit(ir);
      states.push(bytesOf(ir));
    }
    for (let s = states.length - 2; s >= 0; s--) {
      ir.journal.undo();
      expect(bytesOf(ir)).toEqual(states[s]);
    }
    for (let s = 1; s < states.length; s++) {
      ir.journal.redo();
      expect(bytesOf(ir)).toEqual(states[s]);
    }
  });

  it('restores the producer and consumer indexes', () => {
    const ir = load();
    const [conv, relu] = [byName(ir, 'conv'), byName(ir, 'relu')];
    const fused = fuse(ir);
    expect(ir.graph.producer('r')).toBe(fused);
    expect(ir.graph.consumers('x').has(fused)).toBe(true);
    ir.journal.undo();
    expect(ir.graph.producer('r')).toBe(relu);
    expect(ir.graph.producer('c')).toBe(conv);
    expect(ir.graph.consumers('x').has(fused)).toBe(false);
    expect(ir.graph.consumers('c')).toEqual(new Set([relu]));
    ir.journal.redo();
    expect(ir.graph.producer('r')).toBe(fused);
    expect(ir.graph.producer('c')).toBeUndefined();
  });
});

describe('diff between states', () => {
  it('reports added, removed and changed node ids in both directions', () => {
    const ir = load();
    const [conv, relu, neg] = ['conv', 'relu', 'neg'].map((n) => byName(ir, n)) as [IrNode, IrNode, IrNode];
    ir.graph.setAttribute(conv, attr('group', 1)); // state 1
    const fused = fuse(ir); // state 2
    ir.graph.rename(neg, 'negate'); // state 3
    ir.graph.addInitializer(scalar('z', F, 0)); // state 4
    const tmp = ir.graph.addNode({ opType: 'Abs', inputs: ['n'], outputs: ['m'] }); // state 5
    ir.graph.removeNode(tmp); // state 6

    const forward = ir.journal.diff(0, 3);
    expect(forward.added).toEqual([fused.id]);
    // conv was changed and then removed: it counts as removed only.
    expect(sorted(forward.removed)).toEqual(sorted([conv.id, relu.id]));
    expect(forward.changed).toEqual([neg.id]);
    expect(forward.graphChanged).toBe(false);

    const backward = ir.journal.diff(3, 0);
    expect(sorted(backward.added)).toEqual(sorted([conv.id, relu.id]));
    expect(backward.removed).toEqual([fused.id]);
    expect(backward.changed).toEqual([neg.id]);

    expect(ir.journal.diff(0, 1)).toEqual({ added: [], removed: [], changed: [conv.id], graphChanged: false });
    expect(ir.journal.diff(3, 4)).toEqual({ added: [], removed: [], changed: [], graphChanged: true });
    // Added and removed again within the range: no trace.
    expect(ir.journal.diff(4, 6)).toEqual({ added: [], removed: [], changed: [], graphChanged: false });
    expect(ir.journal.diff(2, 2)).toEqual({ added: [], removed: [], changed: [], graphChanged: false });
    expect(() => ir.journal.diff(0, 7)).toThrow(expect.objectContaining({ code: 'BAD_STATE' }));
  });

  it('diffs only the applied history after an undo', () => {
    const ir = load();
    const neg = byName(ir, 'neg');
    ir.graph.rename(neg, 'a');
    ir.graph.removeNode(neg);
    ir.journal.undo();
    expect(ir.journal.state).toBe(1);
    expect(ir.journal.diff(0, 1).changed).toEqual([neg.id]);
    expect(() => ir.journal.diff(0, 2)).toThrow(expect.objectContaining({ code: 'BAD_STATE' }));
  });
});

describe('provenance and stable ids', () => {
  it('gives each loaded node itself as origin, and a fused node the union of the replaced ones', () => {
    const ir = load();
    const [conv, relu, add] = ['conv', 'relu', 'add'].map((n) => byName(ir, n)) as [IrNode, IrNode, IrNode];
    expect(conv.origins).toEqual([conv.id]);
    const fused = fuse(ir);
    expect(fused.origins).toEqual(sorted([conv.id, relu.id]));
    expect([conv.id, relu.id, add.id, byName(ir, 'neg').id]).not.toContain(fused.id);
    expect(ir.findNode(fused.id)?.node).toBe(fused);
  });

  it('keeps the original ids through chained rewrites', () => {
    const ir = load();
    const [conv, relu, add] = ['conv', 'relu', 'add'].map((n) => byName(ir, n)) as [IrNode, IrNode, IrNode];
    const fused = fuse(ir);
    const [chained] = ir.graph.replaceNodes([fused, add], [{ opType: 'FusedConvAdd', inputs: ['x', 'w', 'b', 'n'], outputs: ['y'] }]);
    expect(chained!.origins).toEqual(sorted([conv.id, relu.id, add.id]));
    // Two nodes from one rewrite both derive from everything it replaced.
    const [p, q] = ir.graph.replaceNodes([chained!], [
      { opType: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'] },
      { opType: 'Add', inputs: ['c', 'n'], outputs: ['y'] },
    ]);
    expect(p!.origins).toEqual(chained!.origins);
    expect(q!.origins).toEqual(chained!.origins);
    // A node made from nothing is its own origin.
    const fresh = ir.graph.addNode({ opType: 'Abs', inputs: ['y'], outputs: ['z'] });
    expect(fresh.origins).toEqual([fresh.id]);

    ir.journal.undo(); // fresh
    ir.journal.undo(); // p, q
    expect(ir.graph.node(chained!.id)).toBe(chained);
    ir.journal.undo(); // chained
    expect(ir.graph.node(fused.id)).toBe(fused);
    ir.journal.redo();
    expect(ir.graph.node(chained!.id)).toBe(chained);
    expect(ir.findNode(chained!.id)?.node.origins).toEqual(sorted([conv.id, relu.id, add.id]));
  });

  it('keeps ids through edits, undo and redo, and never reuses one', () => {
    const ir = load();
    const ids = new Map([...ir.graph.nodes].map((n) => [n.name, n.id]));
    expect(new Set(ids.values()).size).toBe(4);
    const neg = byName(ir, 'neg');
    ir.graph.rename(neg, 'negate');
    ir.graph.setInput(neg, 0, 'y');
    ir.graph.setAttribute(byName(ir, 'conv'), attr('group', 1));
    expect(byName(ir, 'negate').id).toBe(ids.get('neg'));
    expect(byName(ir, 'conv').id).toBe(ids.get('conv'));
    ir.journal.undo();
    ir.journal.undo();
    ir.journal.redo();
    expect(byName(ir, 'negate')).toBe(neg);
    ir.graph.removeNode(neg);
    const added = ir.graph.addNode({ opType: 'Neg', name: 'neg', inputs: ['x'], outputs: ['n'] });
    expect([...ids.values()]).not.toContain(added.id);
    expect(ir.findNode(neg.id)).toBeUndefined();
  });
});

describe('journal versions and dry runs', () => {
  it('a dry run reports its diff, rolls back, keeps the redo list and the version', async () => {
    const ir = load();
    ir.journal.transaction('rename', () => ir.graph.rename(byName(ir, 'neg'), 'negate'));
    const renamed = bytesOf(ir);
    ir.journal.undo();
    const version = ir.journal.version;
    const before = bytesOf(ir);
    const { result, diff } = await ir.journal.tryAsync('drop relu', async () => {
      const relu = byName(ir, 'relu');
      ir.graph.replaceAllUses('r', 'c');
      ir.graph.removeNode(relu);
      return relu.id;
    });
    expect(diff.removed).toEqual([result]);
    expect(diff.changed).toEqual([byName(ir, 'add').id]);
    expect(bytesOf(ir)).toEqual(before);
    expect(ir.journal.version).toBe(version);
    expect(ir.journal.redoCount).toBe(1);
    ir.journal.redo();
    expect(bytesOf(ir)).toEqual(renamed);
  });

  it('a failed transaction leaves the version as it was; later edits get versions never used before', () => {
    const ir = load();
    const seen = new Set([ir.journal.version]);
    const v0 = ir.journal.version;
    expect(() =>
      ir.journal.transaction('fails', () => {
        ir.graph.rename(byName(ir, 'neg'), 'x1');
        seen.add(ir.journal.version);
        throw new WorkbenchError('NOPE', 'refused');
      }),
    ).toThrow('refused');
    expect(ir.journal.version).toBe(v0);
    ir.journal.transaction('rename', () => ir.graph.rename(byName(ir, 'neg'), 'x2'));
    expect(seen.has(ir.journal.version)).toBe(false);
  });
});

describe('journal marks inside a larger transaction', () => {
  it('diffSince sees an inner transaction\'s changes where the state does not move, and the outer step undoes whole', async () => {
    const ir = load();
    const outer = await ir.journal.transactionAsync('quantize', async () => {
      const before = ir.journal.mark();
      ir.journal.transaction('inner rename', () => ir.graph.rename(byName(ir, 'neg'), 'negate'));
      const inner = ir.journal.diffSince(before);
      const nothing = ir.journal.mark();
      ir.journal.transaction('inner no-op', () => undefined);
      return { inner, state: ir.journal.state, unchanged: ir.journal.diffSince(nothing) };
    });
    expect(outer.state).toBe(0);
    expect(outer.inner!.changed).toEqual([byName(ir, 'negate').id]);
    expect(outer.unchanged).toBeNull();
    expect(ir.journal.state).toBe(1);
    expect(ir.journal.diffSince({ state: 0, open: -1 })!.changed).toEqual([byName(ir, 'negate').id]);
    ir.journal.undo();
    expect(byName(ir, 'neg').name).toBe('neg');
  });
});
