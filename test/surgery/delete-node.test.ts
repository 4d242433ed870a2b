import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../shared/builder/index.js';
import { deleteNode } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, nodeNames, run } from './helpers.js';

const F = ElemType.FLOAT;

// x → Relu → r → Identity → i → Dropout → d → Sigmoid → y, and a Transpose, a Cast and a Split off r.
function chain() {
  return model(
    graph({
      nodes: [
        node('Relu', ['x'], ['r'], {}, { name: 'relu' }),
        node('Identity', ['r'], ['i'], {}, { name: 'copy' }),
        node('Dropout', ['i'], ['d'], {}, { name: 'drop' }),
        node('Sigmoid', ['d'], ['y'], {}, { name: 'sig' }),
        node('Transpose', ['r'], ['t'], { perm: [1, 0] }, { name: 'flip' }),
        node('Neg', ['t'], ['tn'], {}, { name: 'neg' }),
        node('Cast', ['r'], ['c'], { to: ElemType.INT64 }, { name: 'cast' }),
        node('Split', ['r', 'halves'], ['s0', 's1'], { axis: 1 }, { name: 'split' }),
        node('Abs', ['s1'], ['s1a'], {}, { name: 'abs' }),
      ],
      inputs: [valueInfo('x', F, [2, 4])],
      outputs: [valueInfo('y', F, [2, 4]), valueInfo('tn', F, [4, 2]), valueInfo('c', ElemType.INT64, [2, 4]), valueInfo('s1a', F, [2, 2])],
      initializers: [tensor('halves', ElemType.INT64, [2], [2, 2])],
      valueInfo: [valueInfo('i', F, [2, 4])],
    }),
  );
}

describe('delete-node', () => {
  it('deletes an Identity and a Dropout, readers reconnected; onnxruntime gives the same outputs; undo restores exactly', async () => {
    const proto = chain();
    const feeds = { x: floats([2, 4]) };
    const expected = await run(proto, feeds);
    const m = load(proto);
    const r1 = applyAndCheckUndo(m, () => deleteNode.apply(m, { node: 'copy' }));
    expect(r1).toMatchObject({ edit: 'delete-node', nodesBefore: 9, nodesAfter: 8 });
    expect(r1.summary).toMatch(/"copy" \(Identity\).*readers of "i" now read "r"/);
    // The deleted value's annotation goes with it.
    expect(m.graph.valueInfo('i')).toBeUndefined();
    const drop = [...m.graph.nodes].find((n) => n.name === 'drop')!;
    applyAndCheckUndo(m, () => deleteNode.apply(m, { node: String(drop.id) }));
    expect(nodeNames(m)).not.toContain('drop');
    expect([...m.graph.nodes].find((n) => n.name === 'sig')!.inputs).toEqual(['r']);
    expect(await run(m, feeds)).toEqual(expected);
  });

  it('keeps a graph output\'s name: the input\'s producer takes it', async () => {
    const proto = model(
      graph({
        nodes: [node('Relu', ['x'], ['r'], {}, { name: 'relu' }), node('Identity', ['r'], ['y'], {}, { name: 'out' }), node('Neg', ['r'], ['n'], {}, { name: 'neg' })],
        inputs: [valueInfo('x', F, [3])],
        outputs: [valueInfo('y', F, [3]), valueInfo('n', F, [3])],
      }),
    );
    const feeds = { x: floats([3]) };
    const expected = await run(proto, feeds);
    const m = load(proto);
    const r = applyAndCheckUndo(m, () => deleteNode.apply(m, { node: 'out' }));
    expect(r.summary).toMatch(/"r" is renamed "y"/);
    expect([...m.graph.nodes].map((n) => [n.name, n.outputs[0], n.inputs[0]])).toEqual([
      ['relu', 'y', 'x'],
      ['neg', 'n', 'y'],
    ]);
    expect(await run(m, feeds)).toEqual(expected);
  });

  it('makes the graph output the input value when the input is a graph input', async () => {
    const proto = model(
      graph({ nodes: [node('Identity', ['x'], ['y'], {}, { name: 'id' }), node('Neg', ['x'], ['n'])], inputs: [valueInfo('x', F, [3])], outputs: [valueInfo('y', F, [3]), valueInfo('n', F, [3])] }),
    );
    const m = load(proto);
    applyAndCheckUndo(m, () => deleteNode.apply(m, { node: 'id' }));
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['x', 'n']);
    const out = await run(m, { x: floats([3]) });
    expect(out.x!.data).toEqual(Array.from(floats([3]).data as Float32Array));
  });

  it('deletes a node whose outputs nothing reads', () => {
    const m = load(
      model(graph({ nodes: [node('Relu', ['x'], ['y'], {}, { name: 'relu' }), node('Neg', ['x'], ['unused'], {}, { name: 'dead' })], inputs: [valueInfo('x', F, [3])], outputs: [valueInfo('y', F, [3])] })),
    );
    const r = applyAndCheckUndo(m, () => deleteNode.apply(m, { node: 'dead' }));
    expect(r.summary).toMatch(/outputs were unread/);
    expect(nodeNames(m)).toEqual(['relu']);
  });

  it('refuses where the readers could not read the input, naming the node and the types', () => {
    const m = load(chain());
    expectRefused(m, () => deleteNode.apply(m, { node: 'flip' }), /delete node "flip" \(Transpose\) refused: .*"r" instead of "t": its input is float\[2,4\] but its output is float\[4,2\]/);
    expectRefused(m, () => deleteNode.apply(m, { node: 'cast' }), /"cast" \(Cast\) refused: .*float\[2,4\] but its output is int64\[2,4\]/);
    expectRefused(m, () => deleteNode.apply(m, { node: 'split' }), /"split" \(Split\) refused: its output "s1" is read/);
    expectRefused(m, () => deleteNode.apply(m, { node: 'nope' }), /no node with id or name "nope"/);
  });

  it('refuses a node with no input whose output is read, and a node whose input and output are both graph outputs', () => {
    const m = load(
      model(
        graph({
          nodes: [node('Constant', [], ['k'], { value: scalar('v', F, 2) }, { name: 'const' }), node('Add', ['x', 'k'], ['a'], {}, { name: 'add' }), node('Identity', ['a'], ['y'], {}, { name: 'id' })],
          inputs: [valueInfo('x', F, [])],
          outputs: [valueInfo('a', F, []), valueInfo('y', F, [])],
        }),
      ),
    );
    expectRefused(m, () => deleteNode.apply(m, { node: 'const' }), /"const" \(Constant\) refused: it has no input to give the readers of "k"/);
    expectRefused(m, () => deleteNode.apply(m, { node: 'id' }), /"id" \(Identity\) refused: .*"y" and its input "a" are both graph outputs/);
  });
});

describe('delete-node in a subgraph', () => {
  // x → Relu → a → If(cond) { then: Identity(a) → t1 → Neg → t; else: Identity(a) → e }
  const withIf = () =>
    model(
      graph({
        nodes: [
          node('Relu', ['x'], ['a'], {}, { name: 'relu' }),
          node(
            'If',
            ['cond'],
            ['y'],
            {
              then_branch: graph({ name: 'then', nodes: [node('Identity', ['a'], ['t1'], {}, { name: 'then_id' }), node('Neg', ['t1'], ['t'], {}, { name: 'neg' })], outputs: [valueInfo('t', F, [3])] }),
              else_branch: graph({ name: 'else', nodes: [node('Identity', ['a'], ['e'], {}, { name: 'else_id' })], outputs: [valueInfo('e', F, [3])] }),
            },
            { name: 'branch' },
          ),
        ],
        inputs: [valueInfo('x', F, [3]), valueInfo('cond', ElemType.BOOL, [])],
        outputs: [valueInfo('y', F, [3])],
      }),
    );

  it('reconnects readers inside the branch to the outer value; onnxruntime agrees', async () => {
    const proto = withIf();
    const feeds = { x: floats([3]), cond: new ort.Tensor('bool', Uint8Array.from([1]), []) };
    const expected = await run(proto, feeds);
    const m = load(proto);
    applyAndCheckUndo(m, () => deleteNode.apply(m, { node: 'then_id' }));
    const thenGraph = [...m.graph.nodes][1]!.subgraphs[0]!.graph;
    expect([...thenGraph.nodes].map((n) => [n.name, n.inputs[0]])).toEqual([['neg', 'a']]);
    expect(await run(m, feeds)).toEqual(expected);
  });

  it('refuses to make a branch output an outer value', () => {
    const m = load(withIf());
    expectRefused(m, () => deleteNode.apply(m, { node: 'else_id' }), /"else_id" \(Identity\) refused: its output "e" is an output of subgraph "else" and "a" comes from outside it/);
  });
});
