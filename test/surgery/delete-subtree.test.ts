import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { deleteSubtree } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, nodeNames, run } from './helpers.js';

const F = ElemType.FLOAT;

// x → Relu(trunk) → b ─→ Sigmoid(h1) → s → Mul(head1, w1) → out1
//                    └→ Tanh(h2) → out2
// w2 → Neg(prep) → nw → Add(head1b) ... feeds head1 only, through a second input.
function heads() {
  return model(
    graph({
      nodes: [
        node('Relu', ['x'], ['b'], {}, { name: 'trunk' }),
        node('Sigmoid', ['b'], ['s'], {}, { name: 'h1' }),
        node('Neg', ['w2'], ['nw'], {}, { name: 'prep' }),
        node('Add', ['s', 'nw'], ['s2'], {}, { name: 'h1b' }),
        node('Mul', ['s2', 'w1'], ['out1'], {}, { name: 'head1' }),
        node('Tanh', ['b'], ['out2'], {}, { name: 'h2' }),
      ],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: [valueInfo('out1', F, [2, 3]), valueInfo('out2', F, [2, 3])],
      initializers: [tensor('w1', F, [3], [1, 2, 3]), tensor('w2', F, [3], [4, 5, 6])],
      valueInfo: [valueInfo('s', F, [2, 3])],
    }),
  );
}

describe('delete-subtree', () => {
  it('deletes a head and what only it uses, keeps what others use; the other output is unchanged under onnxruntime', async () => {
    const proto = heads();
    const feeds = { x: floats([2, 3]) };
    const expected = await run(proto, feeds);
    const m = load(proto);
    const r = applyAndCheckUndo(m, () => deleteSubtree.apply(m, { node: 'head1' }));
    expect(r).toMatchObject({ edit: 'delete-subtree', nodesBefore: 6, nodesAfter: 2 });
    expect(r.summary).toMatch(/deleted 4 node\(s\) and 2 initializer\(s\) .*graph outputs removed: "out1"/);
    expect(nodeNames(m)).toEqual(['trunk', 'h2']);
    expect([...m.graph.initializers.keys()]).toEqual([]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['out2']);
    expect(m.graph.valueInfo('s')).toBeUndefined();
    expect(await run(m, feeds)).toEqual({ out2: expected.out2 });
  });

  it('stops at values others read: deleting h2 keeps the trunk that head1 reads', () => {
    const m = load(heads());
    applyAndCheckUndo(m, () => deleteSubtree.apply(m, { node: 'h2' }));
    expect(nodeNames(m)).toEqual(['trunk', 'h1', 'prep', 'h1b', 'head1']);
  });

  it('follows a diamond: both branches go when only the deleted node reads them', () => {
    const m = load(
      model(
        graph({
          nodes: [
            node('Relu', ['x'], ['a'], {}, { name: 'top' }),
            node('Neg', ['a'], ['l'], {}, { name: 'left' }),
            node('Abs', ['a'], ['r'], {}, { name: 'right' }),
            node('Add', ['l', 'r'], ['y'], {}, { name: 'join' }),
            node('Sigmoid', ['x'], ['z'], {}, { name: 'other' }),
          ],
          inputs: [valueInfo('x', F, [2])],
          outputs: [valueInfo('y', F, [2]), valueInfo('z', F, [2])],
        }),
      ),
    );
    applyAndCheckUndo(m, () => deleteSubtree.apply(m, { node: 'join' }));
    expect(nodeNames(m)).toEqual(['other']);
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('refuses when a node outside reads its output, or when it computes every output', () => {
    const m = load(heads());
    expectRefused(m, () => deleteSubtree.apply(m, { node: 'h1' }), /delete subtree of "h1" \(Sigmoid\) refused: node "h1b" \(Add\) reads its output "s"/);
    const single = load(model(graph({ nodes: [node('Relu', ['x'], ['y'], {}, { name: 'only' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] })));
    expectRefused(single, () => deleteSubtree.apply(single, { node: 'only' }), /refused: it computes every output of the graph/);
  });
});
