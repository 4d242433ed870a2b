import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { commonSubexpressionElimination as cse } from '../../../shared/passes/cleanup/common-subexpression-elimination.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;

function simple(nodes: NodeProto[], outputs: (string | ValueInfoProto)[], inputs: ValueInfoProto[] = [valueInfo('x', F, [2, 3])]) {
  return model(graph({ nodes, inputs, outputs: outputs.map((o) => (typeof o === 'string' ? valueInfo(o, F) : o)) }));
}

const wiring = (m: IrModel) => [...m.graph.nodes].map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`);

describe('common-subexpression-elimination', () => {
  it('merges equal nodes, and their readers in the same sweep', async () => {
    const proto = simple(
      [
        node('Relu', ['x'], ['a']),
        node('Relu', ['x'], ['b']),
        node('Exp', ['a'], ['c']),
        node('Exp', ['b'], ['d']),
        node('Add', ['c', 'd'], ['y']),
        // Same attributes in another order are the same node.
        node('Gemm', ['x', 'w', 'bias'], ['g1'], { alpha: 0.5, beta: attrFloat(2), transB: 1 }),
        node('Gemm', ['x', 'w', 'bias'], ['g2'], { transB: 1, beta: attrFloat(2), alpha: 0.5 }),
        node('Sub', ['g1', 'g2'], ['z']),
      ],
      ['y', 'z'],
    );
    proto.graph!.initializer = [tensor('w', F, [4, 3], Array.from({ length: 12 }, (_, i) => i / 7)), tensor('bias', F, [4], [1, 2, 3, 4])];
    const { model: m, matches } = await optimizeAndCompare(proto, [cse]);
    expect(matches).toBe(3);
    expect(wiring(m)).toEqual(['Relu(x)->a', 'Exp(a)->c', 'Add(c,c)->y', 'Gemm(x,w,bias)->g1', 'Sub(g1,g1)->z']);
  });

  it('does not merge nodes whose attributes differ', async () => {
    const proto = simple(
      [node('Softmax', ['x'], ['a'], { axis: 0 }), node('Softmax', ['x'], ['b'], { axis: 1 }), node('Add', ['a', 'b'], ['y'])],
      ['y'],
    );
    expect((await optimizeAndCompare(proto, [cse])).matches).toBe(0);
  });

  it('swaps inputs of commutative ops only where that gives the same bits (not float Add: NaN payloads)', async () => {
    const bools = [valueInfo('p', ElemType.BOOL, [4]), valueInfo('q', ElemType.BOOL, [4])];
    const and = simple([node('And', ['p', 'q'], ['a']), node('And', ['q', 'p'], ['b']), node('Xor', ['a', 'b'], ['y'])], [valueInfo('y', ElemType.BOOL)], bools);
    expect((await optimizeAndCompare(and, [cse])).matches).toBe(1);

    const ints = [valueInfo('p', ElemType.INT32, [4]), valueInfo('q', ElemType.INT32, [4])];
    const addInt = simple([node('Add', ['p', 'q'], ['a']), node('Add', ['q', 'p'], ['b']), node('Sub', ['a', 'b'], ['y'])], [valueInfo('y', ElemType.INT32)], ints);
    expect((await optimizeAndCompare(addInt, [cse])).matches).toBe(1);

    const floats = [valueInfo('p', F, [4]), valueInfo('q', F, [4])];
    const addFloat = simple([node('Add', ['p', 'q'], ['a']), node('Add', ['q', 'p'], ['b']), node('Sub', ['a', 'b'], ['y'])], ['y'], floats);
    expect((await optimizeAndCompare(addFloat, [cse])).matches).toBe(0);
  });

  it('never merges random ops, Dropout, or nodes with subgraphs', async () => {
    const branch = (name: string) => graph({ name, nodes: [node('Neg', ['x'], [`${name}_o`])], outputs: [valueInfo(`${name}_o`, F)] });
    const proto = simple(
      [
        node('RandomUniformLike', ['x'], ['r1']),
        node('RandomUniformLike', ['x'], ['r2']),
        node('RandomNormal', [], ['n1'], { shape: [2, 3] }),
        node('RandomNormal', [], ['n2'], { shape: [2, 3] }),
        node('Bernoulli', ['x'], ['b1']),
        node('Bernoulli', ['x'], ['b2']),
        node('Dropout', ['x', 'ratio', 'train'], ['d1']),
        node('Dropout', ['x', 'ratio', 'train'], ['d2']),
        node('If', ['c'], ['i1'], { then_branch: branch('t1'), else_branch: branch('e1') }),
        node('If', ['c'], ['i2'], { then_branch: branch('t1'), else_branch: branch('e1') }),
        node('Sum', ['r1', 'r2', 'n1', 'n2', 'b1', 'b2', 'd1', 'd2', 'i1', 'i2'], ['y']),
      ],
      ['y'],
      [valueInfo('x', F, [2, 3]), valueInfo('c', ElemType.BOOL, [])],
    );
    proto.graph!.initializer = [tensor('ratio', F, [], [0.5]), tensor('train', ElemType.BOOL, [], [true])];
    const m = new IrModel(proto);
    const r = await runPasses(m, [cse], { target: 'portable' });
    expect(r.passes[0]!.matches).toBe(0);
    expect(opsOf(m).length).toBe(11);
  });

  it('keeps graph output names: renames the kept node output, and skips when both are graph outputs', async () => {
    const one = simple([node('Relu', ['x'], ['a']), node('Neg', ['a'], ['y']), node('Relu', ['x'], ['z'])], ['y', 'z']);
    const { model: m, matches } = await optimizeAndCompare(one, [cse]);
    expect(matches).toBe(1);
    expect(wiring(m)).toEqual(['Relu(x)->z', 'Neg(z)->y']);

    const both = simple([node('Relu', ['x'], ['y']), node('Relu', ['x'], ['z'])], ['y', 'z']);
    expect((await optimizeAndCompare(both, [cse])).matches).toBe(0);
  });

  it('merges into a node only when it computes every optional output the other one has readers for', async () => {
    const x = [valueInfo('x', F, [1, 1, 4, 4])];
    const pool = { kernel_shape: [2, 2] };
    const lacks = simple(
      [node('MaxPool', ['x'], ['p1'], pool), node('MaxPool', ['x'], ['p2', 'idx'], pool), node('Add', ['p1', 'p2'], ['y'])],
      ['y', valueInfo('idx', ElemType.INT64)],
      x,
    );
    expect((await optimizeAndCompare(lacks, [cse])).matches).toBe(0);
    const has = simple(
      [node('MaxPool', ['x'], ['p1', 'idx'], pool), node('MaxPool', ['x'], ['p2'], pool), node('Add', ['p1', 'p2'], ['y'])],
      ['y', valueInfo('idx', ElemType.INT64)],
      x,
    );
    expect((await optimizeAndCompare(has, [cse])).matches).toBe(1);
  });

  it('merges identical Constant nodes', async () => {
    const c = tensor('v', F, [3], [1, 2, 3]);
    const proto = simple(
      [node('Constant', [], ['c1'], { value: c }), node('Constant', [], ['c2'], { value: c }), node('Add', ['x', 'c1'], ['a']), node('Add', ['a', 'c2'], ['y'])],
      ['y'],
    );
    const { model: m, matches } = await optimizeAndCompare(proto, [cse]);
    expect(matches).toBe(1);
    expect(opsOf(m)).toEqual(['Constant', 'Add', 'Add']);
  });

  it('merges among many Constants only the equal ones (grouped by attributes, not compared pairwise)', async () => {
    const nodes: NodeProto[] = [];
    let sum = 'x';
    for (let i = 0; i < 300; i++) {
      nodes.push(node('Constant', [], [`c${i}`], { value: tensor(`v${i}`, F, [3], [i % 100, 1, 2]) }));
      nodes.push(node('Add', [sum, `c${i}`], [i === 299 ? 'y' : `s${i}`]));
      sum = `s${i}`;
    }
    const { model: m, matches } = await optimizeAndCompare(simple(nodes, ['y']), [cse]);
    expect(matches).toBe(200);
    expect(opsOf(m).filter((op) => op === 'Constant')).toHaveLength(100);
  });

  it('merges a float Add with its twin in the same order, never with the swapped one', async () => {
    const floats = [valueInfo('p', F, [4]), valueInfo('q', F, [4])];
    const nodes = [node('Add', ['p', 'q'], ['a']), node('Add', ['q', 'p'], ['b']), node('Add', ['p', 'q'], ['c']), node('Sum', ['a', 'b', 'c'], ['y'])];
    const { model: m, matches } = await optimizeAndCompare(simple(nodes, ['y'], floats), [cse]);
    expect(matches).toBe(1);
    expect(wiring(m)).toEqual(['Add(p,q)->a', 'Add(q,p)->b', 'Sum(a,b,a)->y']);
  });

  it('does nothing to a pair not wholly inside the selection', async () => {
    const m = new IrModel(simple([node('Relu', ['x'], ['a'], {}, { name: 'r1' }), node('Relu', ['x'], ['b']), node('Add', ['a', 'b'], ['y'])], ['y']));
    const r1 = [...m.graph.nodes].find((n) => n.name === 'r1')!.id;
    expect((await runPasses(m, [cse], { target: 'portable', scope: [r1] })).passes[0]!.matches).toBe(0);
    const all = [...m.graph.nodes].map((n) => n.id);
    expect((await runPasses(m, [cse], { target: 'portable', scope: all })).passes[0]!.matches).toBe(1);
  });
});
