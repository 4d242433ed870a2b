import { describe, expect, it } from 'vitest';
import { ElemType, graph, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { typeToString } from '../../shared/shape/types.js';
import { infer } from './infer-helpers.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const B = ElemType.BOOL;

describe('control flow', () => {
  const branch = (name: string, out: string, nodes: ReturnType<typeof node>[]) => graph({ name, nodes, outputs: [out] });

  it('merges If branches: agreeing dims stay, differing ones become unknown; outer values are visible', () => {
    const r = infer({
      nodes: [
        node('If', ['c'], ['y', 'z'], {
          then_branch: graph({ name: 'then', nodes: [node('Relu', ['x'], ['t1']), node('Concat', ['x', 'x'], ['t2'], { axis: 1 })], outputs: ['t1', 't2'] }),
          else_branch: graph({ name: 'else', nodes: [node('Neg', ['x'], ['e1']), node('Identity', ['x'], ['e2'])], outputs: ['e1', 'e2'] }),
        }),
      ],
      inputs: [valueInfo('c', B, []), valueInfo('x', F, ['batch', 16])],
      outputs: ['y', 'z'],
    });
    expect(r.type('y')).toBe('float[batch,16]');
    expect(r.type('z')).toBe('float[batch,?]');
    const ifNode = [...r.model.graph.nodes][0]!;
    const thenGraph = ifNode.subgraphs.find((s) => s.attribute === 'then_branch')!.graph;
    expect(r.result.typeOf(thenGraph, 't2')).toEqual({ kind: 'tensor', elemType: F, shape: ['batch', 32] });
  });

  it('takes the branch a known condition selects', () => {
    const r = infer({
      nodes: [
        node('If', ['c'], ['y'], {
          then_branch: branch('then', 't', [node('Concat', ['x', 'x'], ['t'], { axis: 0 })]),
          else_branch: branch('else', 'e', [node('Identity', ['x'], ['e'])]),
        }),
      ],
      inputs: [valueInfo('x', F, [3])],
      outputs: ['y'],
      initializers: [tensor('c', B, [], [true])],
    });
    expect(r.type('y')).toBe('float[6]');
  });

  it('gives Loop scan outputs the trip count when the loop provably runs M times', () => {
    // for i in range(M): acc += x[i:i+1]; scan out acc
    const body = graph({
      name: 'body',
      nodes: [
        node('Identity', ['cond_in'], ['cond_out']),
        node('Add', ['i', 'one'], ['i1']),
        node('Unsqueeze', ['i', 'axes'], ['start']),
        node('Unsqueeze', ['i1', 'axes'], ['end']),
        node('Slice', ['x', 'start', 'end'], ['piece']),
        node('Add', ['acc_in', 'piece'], ['acc_out']),
        node('Identity', ['acc_out'], ['scan']),
      ],
      inputs: [valueInfo('i', I64, []), valueInfo('cond_in', B, []), valueInfo('acc_in')],
      outputs: ['cond_out', 'acc_out', 'scan'],
    });
    const r = infer({
      nodes: [node('Loop', ['m', 'c', 'acc0'], ['acc', 'scans'], { body })],
      inputs: [valueInfo('x', F, [10]), valueInfo('acc0', F, [1])],
      outputs: ['acc', 'scans'],
      initializers: [tensor('m', I64, [], [4]), tensor('c', B, [], [true]), tensor('one', I64, [], [1]), tensor('axes', I64, [1], [0])],
    });
    expect(r.type('acc')).toBe('float[1]');
    expect(r.type('scans')).toBe('float[4,1]');
  });

  it('leaves the trip count unknown when the condition may stop the loop, and unifies changing state', () => {
    const body = graph({
      name: 'body',
      nodes: [node('Less', ['i', 'limit'], ['cond_out']), node('Concat', ['s_in', 's_in'], ['s_out'], { axis: 0 }), node('Identity', ['i'], ['scan'])],
      inputs: [valueInfo('i', I64, []), valueInfo('cond_in', B, []), valueInfo('s_in')],
      outputs: ['cond_out', 's_out', 'scan'],
    });
    const r = infer({
      nodes: [node('Loop', ['m', '', 's0'], ['s', 'scans'], { body })],
      inputs: [valueInfo('m', I64, []), valueInfo('limit', I64, []), valueInfo('s0', F, [2, 3])],
      outputs: ['s', 'scans'],
    });
    expect(r.type('s')).toBe('float[?,3]');
    expect(r.type('scans')).toBe('int64[?]');
  });

  it('infers Scan (opset 9+) with scan axes', () => {
    const body = graph({
      name: 'body',
      nodes: [node('Add', ['sum_in', 'next'], ['sum_out']), node('Identity', ['sum_out'], ['scan_out'])],
      inputs: [valueInfo('sum_in', F, [2]), valueInfo('next', F, [2])],
      outputs: ['sum_out', 'scan_out'],
    });
    const r = infer({
      nodes: [node('Scan', ['init', 'xs'], ['sum', 'all'], { body, num_scan_inputs: 1, scan_input_axes: [1], scan_output_axes: [-1] })],
      inputs: [valueInfo('init', F, [2]), valueInfo('xs', F, [2, 'steps'])],
      outputs: ['sum', 'all'],
    });
    expect(r.type('sum')).toBe('float[2]');
    expect(r.type('all')).toBe('float[2,steps]');
  });
});

describe('sequences and optionals', () => {
  it('tracks sequence items through construct, insert, erase, at, length and concat', () => {
    const r = infer({
      nodes: [
        node('SequenceConstruct', ['a', 'b'], ['s']),
        node('SequenceInsert', ['s', 'c', 'zero'], ['s2']),
        node('SequenceErase', ['s2'], ['s3']),
        node('SequenceAt', ['s2', 'zero'], ['first']),
        node('SequenceLength', ['s3'], ['len']),
        node('ConcatFromSequence', ['s2'], ['cat'], { axis: 0 }),
        node('ConcatFromSequence', ['s'], ['stack'], { axis: 0, new_axis: 1 }),
        node('SequenceEmpty', [], ['empty']),
        node('SplitToSequence', ['c'], ['parts'], { axis: 0, keepdims: 0 }),
        node('Optional', ['a'], ['opt']),
        node('OptionalGetElement', ['opt'], ['got']),
      ],
      inputs: [valueInfo('a', F, [2, 'n']), valueInfo('b', F, [2, 'n']), valueInfo('c', F, [3, 'n'])],
      outputs: ['first', 'len', 'cat', 'stack', 'empty', 'parts', 'got'],
      initializers: [tensor('zero', I64, [], [0])],
    });
    expect(r.type('s')).toBe('seq(float[2,n])');
    expect(r.type('s2')).toBe('seq(float[?,n])');
    expect(r.type('first')).toBe('float[3,n]');
    expect(r.value('len')).toEqual([2]);
    expect(r.type('cat')).toBe('float[7,n]');
    expect(r.type('stack')).toBe('float[2,2,n]');
    expect(r.type('empty')).toBe('seq(float[*])');
    expect(r.type('parts')).toBe('seq(float[n])');
    expect(r.type('got')).toBe('float[2,n]');
  });
});

describe('loops with a known trip count', () => {
  it('are unrolled, so a sequence built item by item keeps its items', () => {
    // seq = []; for i in range(3): seq.append(x[0:i+1])
    const body = graph({
      name: 'body',
      nodes: [
        node('Identity', ['cond_in'], ['cond_out']),
        node('Add', ['i', 'one'], ['i1']),
        node('Unsqueeze', ['i1', 'axes'], ['end']),
        node('Slice', ['x', 'start', 'end'], ['piece']),
        node('SequenceInsert', ['seq_in', 'piece'], ['seq_out']),
      ],
      inputs: [valueInfo('i', I64, []), valueInfo('cond_in', B, []), valueInfo('seq_in')],
      outputs: ['cond_out', 'seq_out'],
    });
    const r = infer({
      nodes: [node('SequenceEmpty', [], ['empty']), node('Loop', ['m', 'c', 'empty'], ['seq'], { body }), node('ConcatFromSequence', ['seq'], ['all'], { axis: 0 })],
      inputs: [valueInfo('x', F, [10])],
      outputs: ['seq', 'all'],
      initializers: [tensor('m', I64, [], [3]), tensor('c', B, [], [true]), tensor('one', I64, [], [1]), tensor('axes', I64, [1], [0]), tensor('start', I64, [1], [0])],
    });
    const seq = r.result.typeOf(r.model.graph, 'seq');
    expect(seq?.kind === 'sequence' ? seq.items?.map((t) => (t.kind === 'tensor' ? t.shape : null)) : undefined).toEqual([[1], [2], [3]]);
    expect(r.type('all')).toBe('float[6]');
    // The body keeps the types that hold in every iteration.
    const bodyGraph = [...r.model.graph.nodes].find((n) => n.opType === 'Loop')!.subgraphs[0]!.graph;
    expect(typeToString(r.result.typeOf(bodyGraph, 'piece'))).toBe('float[i+1]');
  });
});
