import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { rename } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, run } from './helpers.js';
import * as ort from 'onnxruntime-node';

const F = ElemType.FLOAT;

// x → Add(x, w) → a → If(cond) { then: Neg(a) → t; else: Abs(a) → e } → y; a is also an output.
function withIf() {
  return model(
    graph({
      nodes: [
        node('Add', ['x', 'w'], ['a'], {}, { name: 'add' }),
        node(
          'If',
          ['cond'],
          ['y'],
          {
            then_branch: graph({ name: 'then', nodes: [node('Neg', ['a'], ['t'], {}, { name: 'neg' })], outputs: [valueInfo('t', F, [3])] }),
            else_branch: graph({ name: 'else', nodes: [node('Abs', ['a'], ['e'], {}, { name: 'abs' })], outputs: [valueInfo('e', F, [3])] }),
          },
          { name: 'branch' },
        ),
      ],
      inputs: [valueInfo('x', F, [3]), valueInfo('cond', ElemType.BOOL, [])],
      outputs: [valueInfo('y', F, [3]), valueInfo('a', F, [3])],
      initializers: [tensor('w', F, [3], [1, 2, 3])],
      valueInfo: [valueInfo('a', F, [3])],
    }),
  );
}

const feeds = (cond: boolean) => ({ x: floats([3]), cond: new ort.Tensor('bool', Uint8Array.from([cond ? 1 : 0]), []) });

describe('rename', () => {
  it('renames an intermediate value everywhere: producer, readers in subgraphs, graph output, value_info', async () => {
    const proto = withIf();
    const expected = await run(proto, feeds(true));
    const m = load(proto);
    const r = applyAndCheckUndo(m, () => rename.apply(m, { from: 'a', to: 'sum' }));
    expect(r.summary).toBe('value "a" is now "sum"');
    const text = JSON.stringify(m.toProto(), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(text).not.toMatch(/"a"/);
    expect(m.graph.valueInfo('sum')?.type).toBeDefined();
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['y', 'sum']);
    const [thenGraph, elseGraph] = [...m.graph.nodes][1]!.subgraphs.map((s) => s.graph);
    expect([...thenGraph!.nodes][0]!.inputs).toEqual(['sum']);
    expect([...elseGraph!.nodes][0]!.inputs).toEqual(['sum']);
    const out = await run(m, feeds(true));
    expect(out).toEqual({ y: expected.y, sum: expected.a });
  });

  it('renames a graph input and an initializer', async () => {
    const m = load(withIf());
    applyAndCheckUndo(m, () => rename.apply(m, { from: 'x', to: 'input' }));
    applyAndCheckUndo(m, () => rename.apply(m, { from: 'w', to: 'bias' }));
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['input', 'cond']);
    expect([...m.graph.initializers.keys()]).toEqual(['bias']);
    expect([...m.graph.nodes][0]!.inputs).toEqual(['input', 'bias']);
    const f = feeds(false);
    const out = await run(m, { input: f.x, cond: f.cond });
    expect(out.y!.data).toEqual(Array.from(f.x.data as Float32Array, (v, i) => Math.abs(Math.fround(v + [1, 2, 3][i]!))));
  });

  it('renames a value inside a subgraph, and a node (by name or id) when the name is no value', () => {
    const m = load(withIf());
    rename.apply(m, { from: 't', to: 'then_out' });
    const thenGraph = [...m.graph.nodes][1]!.subgraphs[0]!.graph;
    expect(thenGraph.outputs.map((o) => o.name)).toEqual(['then_out']);
    const r = applyAndCheckUndo(m, () => rename.apply(m, { from: 'branch', to: 'choose' }));
    expect(r.summary).toBe('node "branch" (If) is now "choose"');
    const add = [...m.graph.nodes][0]!;
    rename.apply(m, { from: String(add.id), to: 'plus' });
    expect([...m.graph.nodes].map((n) => n.name)).toEqual(['plus', 'choose']);
  });

  it('refuses a name already taken, and a name that is neither value nor node', () => {
    const m = load(withIf());
    expectRefused(m, () => rename.apply(m, { from: 'a', to: 'x' }), /rename "a" to "x" refused: a value named "x" already exists/);
    expectRefused(m, () => rename.apply(m, { from: 'a', to: 't' }), /a value named "t" already exists/);
    expectRefused(m, () => rename.apply(m, { from: 'add', to: 'neg' }), /a node named "neg" already exists/);
    const e = expectRefused(m, () => rename.apply(m, { from: 'ghost', to: 'g' }), /no value or node named "ghost"/);
    expect(e).toBeInstanceOf(WorkbenchError);
    expectRefused(m, () => rename.apply(m, { from: 'a', to: '' }), /the new name is empty/);
  });
});
