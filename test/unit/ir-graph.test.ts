import { describe, expect, it } from 'vitest';
import { attr, ElemType, graph, model, modelBytes, node, scalar, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto, ModelProto, NodeProto } from '../../shared/onnx/proto-types.js';
import type { Graph } from '../../shared/ir/graph.js';
import { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';

const F = ElemType.FLOAT;
const fv = (name: string) => valueInfo(name, F, [2]);

// x -> A (Relu) -> a, x -> B (Neg) -> b, (a, b) -> C (Add) -> y
const A = node('Relu', ['x'], ['a'], undefined, { name: 'A' });
const B = node('Neg', ['x'], ['b'], undefined, { name: 'B' });
const C = node('Add', ['a', 'b'], ['y'], undefined, { name: 'C' });

function mainModel(nodes: NodeProto[], extra: Partial<Parameters<typeof graph>[0]> = {}): ModelProto {
  return model(graph({ nodes, inputs: [fv('x')], outputs: [fv('y')], ...extra }));
}

function byName(g: Graph, name: string): IrNode {
  const n = [...g.nodes].find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

function writtenNames(g: GraphProto): string[] {
  return (g.node ?? []).map((n) => n.name ?? '');
}

function fails(m: ModelProto): WorkbenchError {
  try {
    new IrModel(m);
  } catch (e) {
    if (e instanceof WorkbenchError) return e;
    throw e;
  }
  throw new Error('the model loaded');
}

// Rebuilds the producer and consumer indexes from the nodes and compares them with the graph's,
// for every value the nodes name now and every value named in `alsoCheck` (stale entries).
function expectIndexesRight(g: Graph, alsoCheck: readonly string[] = []): void {
  const producers = new Map<string, IrNode>();
  const consumers = new Map<string, Set<IrNode>>();
  for (const n of g.nodes) {
    for (const v of n.outputs) if (v) producers.set(v, n);
    for (const v of n.inputs) if (v) (consumers.get(v) ?? consumers.set(v, new Set()).get(v)!).add(n);
  }
  const names = new Set([...producers.keys(), ...consumers.keys(), ...alsoCheck]);
  for (const v of names) {
    expect(g.producer(v), `producer of ${v}`).toBe(producers.get(v));
    expect(new Set(g.consumers(v)), `consumers of ${v}`).toEqual(consumers.get(v) ?? new Set());
  }
}

describe('producers and consumers', () => {
  it('indexes who makes and who reads each value', () => {
    const ir = new IrModel(mainModel([A, B, C, node('Mul', ['a', 'a'], ['z'], undefined, { name: 'D' })], { initializers: [scalar('k', F, 1)] }));
    const g = ir.graph;
    expect(g.nodeCount).toBe(4);
    expect(g.producer('a')).toBe(byName(g, 'A'));
    expect(g.producer('y')).toBe(byName(g, 'C'));
    expect(g.producer('x')).toBeUndefined();
    expect([...g.consumers('x')].map((n) => n.name).sort()).toEqual(['A', 'B']);
    // D reads `a` twice and counts once.
    expect([...g.consumers('a')].map((n) => n.name).sort()).toEqual(['C', 'D']);
    expect(g.consumers('y').size).toBe(0);
    expect(g.isGraphInput('x') && g.isGraphOutput('y')).toBe(true);
    expect(g.defines('k') && g.defines('x') && g.defines('a')).toBe(true);
    expect(g.defines('nothing')).toBe(false);
    expectIndexesRight(g);
  });
});

describe('topological order', () => {
  it('writes a model whose nodes were built out of order sorted', () => {
    const ir = new IrModel(mainModel([C, B, A]));
    const out = ir.toProto().graph!;
    expect(writtenNames(out)).toEqual(['A', 'B', 'C']);
  });

  it('keeps a sorted file exactly as it was', () => {
    const bytes = modelBytes(mainModel([B, A, C]));
    const ir = new IrModel(decodeModel(bytes));
    expect(writtenNames(ir.toProto().graph!)).toEqual(['B', 'A', 'C']);
    expect(modelBytes(ir.toProto())).toEqual(bytes);
  });

  it('places a node before an If whose branch reads its output', () => {
    const branch = (name: string) => graph({ name, nodes: [node('Identity', ['a'], [`${name}_out`])], outputs: [`${name}_out`] });
    const ifNode = node('If', ['cond'], ['y'], { then_branch: branch('then'), else_branch: branch('else') }, { name: 'If' });
    const m = model(graph({ nodes: [ifNode, A], inputs: [valueInfo('cond', ElemType.BOOL, []), fv('x')], outputs: [fv('y')] }));
    const ir = new IrModel(m);
    expect(writtenNames(ir.toProto().graph!)).toEqual(['A', 'If']);
  });
});

describe('subgraphs', () => {
  // Main: A makes `a`; `w` is a main initializer. If's then-branch reads `a` and its own `one`;
  // its else-branch holds a nested If whose branch reads `w` and `cond`.
  function ifModel(): ModelProto {
    const thenBranch = graph({
      name: 'then',
      nodes: [node('Add', ['a', 'one'], ['t'], undefined, { name: 'T' })],
      outputs: ['t'],
      initializers: [scalar('one', F, 1)],
    });
    const inner = graph({ name: 'inner', nodes: [node('Mul', ['w', 'x'], ['i'], undefined, { name: 'I' })], outputs: ['i'] });
    const innerElse = graph({ name: 'inner_else', nodes: [node('Identity', ['x'], ['ie'])], outputs: ['ie'] });
    const elseBranch = graph({
      name: 'else',
      nodes: [node('If', ['cond'], ['e'], { then_branch: inner, else_branch: innerElse }, { name: 'E' })],
      outputs: ['e'],
    });
    return model(
      graph({
        nodes: [A, node('If', ['cond'], ['y'], { then_branch: thenBranch, else_branch: elseBranch }, { name: 'If' })],
        inputs: [valueInfo('cond', ElemType.BOOL, []), fv('x')],
        outputs: [fv('y')],
        initializers: [tensor('w', F, [2], [2, 3])],
      }),
    );
  }

  it('finds the outer-scope values each body reads', () => {
    const ir = new IrModel(ifModel());
    const g = ir.graph;
    const ifNode = byName(g, 'If');
    expect(ifNode.subgraphs.map((s) => s.attribute)).toEqual(['then_branch', 'else_branch']);
    const [thenG, elseG] = ifNode.subgraphs.map((s) => s.graph) as [Graph, Graph];
    expect(thenG.parent).toBe(g);
    expect(thenG.outerReferences()).toEqual(new Set(['a']));
    expect(elseG.outerReferences()).toEqual(new Set(['cond', 'w', 'x']));
    expect(g.outerReferences()).toEqual(new Set());
    expect(thenG.sees('a') && thenG.sees('one')).toBe(true);
    expect(g.sees('one') || g.sees('t')).toBe(false);
    const t = byName(thenG, 'T');
    expect(ir.findNode(t.id)).toEqual({ node: t, graph: thenG });
  });

  it('refuses a graph value through setAttribute, which toProto would drop', () => {
    const ir = new IrModel(ifModel());
    const ifNode = byName(ir.graph, 'If');
    const before = modelBytes(ir.toProto());
    expect(() => ir.graph.setAttribute(ifNode, attr('then_branch', graph({ nodes: [], outputs: ['a'] })))).toThrow(/then_branch.*"If"/);
    expect(ir.journal.state).toBe(0);
    expect(modelBytes(ir.toProto())).toEqual(before);
  });

  it('writes subgraphs back as they were', () => {
    const bytes = modelBytes(ifModel());
    expect(modelBytes(new IrModel(decodeModel(bytes)).toProto())).toEqual(bytes);
  });

  it('rejects a branch reading a value nobody provides, naming the branch', () => {
    const m = ifModel();
    const thenG = m.graph!.node![1]!.attribute![0]!.g!;
    thenG.node![0]!.input = ['a', 'missing'];
    const e = fails(m);
    expect(e.code).toBe('DANGLING_VALUE');
    expect(e.message).toMatch(/graph "then".*"T".*"missing"/);
  });
});

describe('validation', () => {
  it('reports a cycle with code GRAPH_CYCLE, naming a node on it', () => {
    const e = fails(mainModel([node('Add', ['x', 'b'], ['a'], undefined, { name: 'P' }), node('Relu', ['a'], ['b'], undefined, { name: 'Q' })], { outputs: [fv('a')] }));
    expect(e.code).toBe('GRAPH_CYCLE');
    expect(e.message).toMatch(/"(P|Q)"/);
    expect(e.message).toMatch(/"(a|b)"/);
  });

  it('reports a cycle through an If body', () => {
    const branch = (name: string) => graph({ name, nodes: [node('Identity', ['r'], [`${name}_out`])], outputs: [`${name}_out`] });
    const e = fails(
      model(
        graph({
          nodes: [node('If', ['cond'], ['y'], { then_branch: branch('then'), else_branch: branch('else') }, { name: 'If' }), node('Relu', ['y'], ['r'], undefined, { name: 'R' })],
          inputs: [valueInfo('cond', ElemType.BOOL, [])],
          outputs: [fv('r')],
        }),
      ),
    );
    expect(e.code).toBe('GRAPH_CYCLE');
  });

  it('reports a dangling input with code DANGLING_VALUE, naming node and value', () => {
    const e = fails(mainModel([A, node('Add', ['a', 'ghost'], ['y'], undefined, { name: 'C' })]));
    expect(e.code).toBe('DANGLING_VALUE');
    expect(e.message).toContain('"C"');
    expect(e.message).toContain('"ghost"');
    const unnamed = fails(mainModel([node('Add', ['x', 'ghost'], ['y'])]));
    expect(unnamed.message).toMatch(/#\d+ \(Add\).*"ghost"/);
  });

  it('reports a graph output nobody produces', () => {
    const e = fails(mainModel([A], { outputs: [fv('nowhere')] }));
    expect(e.code).toBe('DANGLING_VALUE');
    expect(e.message).toContain('"nowhere"');
  });

  it('reports a duplicate producer with code DUPLICATE_VALUE, naming value and node', () => {
    const e = fails(mainModel([A, node('Neg', ['x'], ['a'], undefined, { name: 'A2' }), node('Identity', ['a'], ['y'])]));
    expect(e.code).toBe('DUPLICATE_VALUE');
    expect(e.message).toContain('"a"');
    expect(e.message).toContain('"A2"');
  });

  it('loads an invalid model when told not to validate', () => {
    const ir = new IrModel(mainModel([node('Add', ['x', 'ghost'], ['y'])]), { validate: false });
    expect(ir.graph.nodeCount).toBe(1);
  });
});

describe('mutations keep the indexes right', () => {
  it('after every kind of edit', () => {
    const ir = new IrModel(mainModel([A, B, C]));
    const g = ir.graph;
    const [a, b, c] = ['A', 'B', 'C'].map((n) => byName(g, n)) as [IrNode, IrNode, IrNode];
    const seen = ['x', 'a', 'b', 'y', 'z', 'a2', 'k'];

    const d = g.addNode({ opType: 'Sigmoid', name: 'D', inputs: ['y'], outputs: ['z'] });
    expect(g.producer('z')).toBe(d);
    expect(g.consumers('y')).toEqual(new Set([d]));
    expect(ir.findNode(d.id)?.node).toBe(d);
    expectIndexesRight(g, seen);

    g.setInput(c, 1, 'x');
    expect(c.inputs).toEqual(['a', 'x']);
    expect(g.consumers('b').size).toBe(0);
    expect(g.consumers('x')).toEqual(new Set([a, b, c]));
    expectIndexesRight(g, seen);

    g.setOutput(a, 0, 'a2');
    expect(g.producer('a')).toBeUndefined();
    expect(g.producer('a2')).toBe(a);
    expectIndexesRight(g, seen);

    g.setInputs(c, ['a2', 'b', 'x']);
    expect(g.consumers('a2')).toEqual(new Set([c]));
    expect(g.consumers('b')).toEqual(new Set([c]));
    expectIndexesRight(g, seen);

    g.replaceAllUses('b', 'x');
    expect(c.inputs).toEqual(['a2', 'x', 'x']);
    expect(g.consumers('b').size).toBe(0);
    expectIndexesRight(g, seen);

    g.setAttribute(c, attr('axis', 1));
    g.setAttribute(c, attr('axis', 2));
    expect(c.attributes).toHaveLength(1);
    expect(c.attribute('axis')?.i).toBe(2);
    g.removeAttribute(c, 'axis');
    expect(c.attribute('axis')).toBeUndefined();
    g.rename(c, 'C2');
    expect(c.name).toBe('C2');
    expectIndexesRight(g, seen);

    g.removeNode(b);
    expect(g.node(b.id)).toBeUndefined();
    expect(ir.findNode(b.id)).toBeUndefined();
    expect(g.producer('b')).toBeUndefined();
    expect(g.consumers('x')).toEqual(new Set([a, c]));
    expectIndexesRight(g, seen);

    g.addInitializer(scalar('k', F, 3));
    expect(g.defines('k')).toBe(true);
    g.removeInitializer('k');
    expect(g.defines('k')).toBe(false);

    g.replaceAllUses('y', 'z0');
    expect(g.outputs.map((o) => o.name)).toEqual(['z0']);
    expect(d.inputs).toEqual(['z0']);
    g.setGraphOutputs([fv('z')]);
    g.setGraphInputs([fv('x'), fv('extra')]);
    expect(g.isGraphInput('extra') && g.isGraphOutput('z')).toBe(true);
    g.setValueInfo(fv('a2'));
    expect(g.valueInfo('a2')).toEqual(fv('a2'));
    expectIndexesRight(g, seen);
  });

  it('edits leave the loaded ModelProto and earlier toProto() results alone', () => {
    const m = mainModel([A, B, C]);
    const bytes = modelBytes(m);
    const ir = new IrModel(m);
    const snapshot = ir.toProto();
    const snapshotBytes = modelBytes(snapshot);
    const c = byName(ir.graph, 'C');
    ir.graph.rename(c, 'renamed');
    ir.graph.setInput(c, 0, 'x');
    ir.graph.setAttribute(c, attr('k', 1));
    expect(modelBytes(m)).toEqual(bytes);
    expect(modelBytes(snapshot)).toEqual(snapshotBytes);
    expect(C.name).toBe('C');
  });

  it('removing an If forgets the nodes of its branches, and undo brings them back', () => {
    const branch = (name: string) => graph({ name, nodes: [node('Identity', ['x'], [`${name}_out`], undefined, { name: `${name}_node` })], outputs: [`${name}_out`] });
    const ir = new IrModel(
      model(
        graph({
          nodes: [node('If', ['cond'], ['y'], { then_branch: branch('then'), else_branch: branch('else') }, { name: 'If' })],
          inputs: [valueInfo('cond', ElemType.BOOL, []), fv('x')],
          outputs: [fv('y')],
        }),
      ),
    );
    const ifNode = byName(ir.graph, 'If');
    const inner = byName(ifNode.subgraphs[0]!.graph, 'then_node');
    expect(ir.findNode(inner.id)?.graph).toBe(ifNode.subgraphs[0]!.graph);
    ir.graph.removeNode(ifNode);
    expect(ir.findNode(inner.id)).toBeUndefined();
    ir.journal.undo();
    expect(ir.findNode(inner.id)?.node).toBe(inner);
  });

  it('an edit does not move the node in the written order', () => {
    const ir = new IrModel(mainModel([A, B, C]));
    ir.graph.setAttribute(byName(ir.graph, 'A'), attr('note', 'x'));
    ir.graph.rename(byName(ir.graph, 'B'), 'B');
    expect(writtenNames(ir.toProto().graph!)).toEqual(['A', 'B', 'C']);
  });

  it('a node added by a rewrite lands before its first reader', () => {
    const ir = new IrModel(mainModel([A, B, C]));
    const g = ir.graph;
    ir.journal.transaction('insert', () => {
      g.addNode({ opType: 'Abs', name: 'N', inputs: ['b'], outputs: ['b2'] });
      g.setInput(byName(g, 'C'), 1, 'b2');
    });
    expect(writtenNames(ir.toProto().graph!)).toEqual(['A', 'B', 'N', 'C']);
  });
});
