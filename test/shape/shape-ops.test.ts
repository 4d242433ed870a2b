import { describe, expect, it } from 'vitest';
import { ElemType, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { infer } from './infer-helpers.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const ints = (name: string, values: number[], dims = [values.length]) => tensor(name, I64, dims, values);

describe('shape manipulation', () => {
  it("resolves a Reshape target built from Shape → Gather → Unsqueeze → Concat to symbolic dims", () => {
    const r = infer({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['b'], { axis: 0 }),
        node('Gather', ['s', 'one'], ['n'], { axis: 0 }),
        node('Unsqueeze', ['b', 'axes'], ['b1']),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['b1', 'n1', 'tail'], ['target'], { axis: 0 }),
        node('Reshape', ['x', 'target'], ['y']),
      ],
      inputs: [valueInfo('x', F, ['batch', 'seq', 768])],
      outputs: ['y'],
      initializers: [ints('zero', [0], []), ints('one', [1], []), ints('axes', [0]), ints('tail', [12, -1])],
    });
    expect(r.type('s')).toBe('int64[3]');
    expect(r.value('s')).toEqual(['batch', 'seq', 768]);
    expect(r.value('target')).toEqual(['batch', 'seq', 12, -1]);
    expect(r.type('y')).toBe('float[batch,seq,12,64]');
  });

  it('computes expressions: Concat along a symbolic axis, Reshape merging dims, Slice of a symbolic dim', () => {
    const r = infer({
      nodes: [
        node('Concat', ['x', 'x'], ['twice'], { axis: 1 }),
        node('Concat', ['x', 'row'], ['plus1'], { axis: 1 }),
        node('Reshape', ['x', 'flat'], ['merged']),
        node('Slice', ['x', 'one', 'big', 'ax1'], ['tail']),
        node('Slice', ['x', 'zero', 'minus1', 'ax1'], ['head']),
        node('Slice', ['x', 'minus2', 'big', 'ax1'], ['last2']),
        node('Slice', ['x', 'zero', 'big', 'ax1', 'two'], ['even']),
      ],
      inputs: [valueInfo('x', F, ['batch', 'seq', 8]), valueInfo('row', F, ['batch', 1, 8])],
      outputs: ['twice', 'plus1', 'merged', 'tail', 'head', 'last2', 'even'],
      initializers: [
        ints('flat', [0, -1]),
        ints('one', [1]),
        ints('zero', [0]),
        ints('minus1', [-1]),
        ints('minus2', [-2]),
        ints('two', [2]),
        ints('big', [2 ** 62]),
        ints('ax1', [1]),
      ],
    });
    expect(r.type('twice')).toBe('float[batch,seq*2,8]');
    expect(r.type('plus1')).toBe('float[batch,seq+1,8]');
    expect(r.type('merged')).toBe('float[batch,seq*8]');
    expect(r.type('tail')).toBe('float[batch,seq-1,8]');
    expect(r.type('head')).toBe('float[batch,seq-1,8]');
    expect(r.type('last2')).toBe('float[batch,2,8]');
    expect(r.type('even')).toBe('float[batch,floor((seq+1)/2),8]');
  });

  it('clamps Slice positions exactly on static dims, and slices known shape vectors', () => {
    const r = infer({
      nodes: [
        node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y']),
        node('Shape', ['x'], ['s']),
        node('Slice', ['s', 'one', 'big'], ['s_tail']),
      ],
      inputs: [valueInfo('x', F, [20, 10, 5])],
      outputs: ['y', 's_tail'],
      initializers: [ints('starts', [0, 1000, -100]), ints('ends', [3, -1000, 1000]), ints('axes', [0, 1, 2]), ints('steps', [1, -2, 2]), ints('one', [1]), ints('big', [2 ** 62])],
    });
    expect(r.type('y')).toBe('float[3,5,3]');
    expect(r.value('s_tail')).toEqual([10, 5]);
  });

  it('handles Squeeze/Unsqueeze axes as attributes (opset 11) and as inputs (opset 13)', () => {
    const spec = (asInput: boolean) => ({
      nodes: asInput
        ? [node('Unsqueeze', ['x', 'axes'], ['u']), node('Squeeze', ['u', 'axes'], ['s'])]
        : [node('Unsqueeze', ['x'], ['u'], { axes: [0, -1] }), node('Squeeze', ['u'], ['s'], { axes: [0, -1] })],
      inputs: [valueInfo('x', F, ['n', 3])],
      outputs: ['u', 's'],
      initializers: asInput ? [ints('axes', [0, -1])] : [],
    });
    for (const [asInput, opset] of [[false, 11], [true, 13]] as const) {
      const r = infer(spec(asInput), { opset });
      expect(r.type('u')).toBe('float[1,n,3,1]');
      expect(r.type('s')).toBe('float[n,3]');
    }
  });

  it('infers Transpose, Flatten, Expand, Tile, DepthToSpace', () => {
    const r = infer({
      nodes: [
        node('Transpose', ['x'], ['t'], { perm: [0, 2, 3, 1] }),
        node('Transpose', ['x'], ['rev']),
        node('Flatten', ['x'], ['f1'], { axis: 2 }),
        node('Flatten', ['x'], ['fneg'], { axis: -1 }),
        node('Expand', ['col', 'target'], ['e']),
        node('Tile', ['x', 'reps'], ['tiled']),
        node('DepthToSpace', ['x'], ['d2s'], { blocksize: 2 }),
      ],
      inputs: [valueInfo('x', F, ['n', 8, 'h', 'w']), valueInfo('col', F, [3, 1])],
      outputs: ['t', 'rev', 'f1', 'fneg', 'e', 'tiled', 'd2s'],
      initializers: [ints('target', [2, 1, 4]), ints('reps', [1, 2, 1, 3])],
    });
    expect(r.type('t')).toBe('float[n,h,w,8]');
    expect(r.type('rev')).toBe('float[w,h,8,n]');
    expect(r.type('f1')).toBe('float[n*8,h*w]');
    expect(r.type('fneg')).toBe('float[h*n*8,w]');
    expect(r.type('e')).toBe('float[2,3,4]');
    expect(r.type('tiled')).toBe('float[n,16,h,w*3]');
    expect(r.type('d2s')).toBe('float[n,2,h*2,w*2]');
  });

  it('splits equally, by sizes, and into num_outputs (opset 18, last chunk smaller)', () => {
    const r = infer({
      nodes: [
        node('Split', ['x'], ['a', 'b'], { axis: 1 }),
        node('Split', ['x', 'sizes'], ['c', 'd'], { axis: 1 }),
      ],
      inputs: [valueInfo('x', F, ['n', 10])],
      outputs: ['a', 'b', 'c', 'd'],
      initializers: [ints('sizes', [3, 7])],
    });
    expect([r.type('a'), r.type('b'), r.type('c'), r.type('d')]).toEqual(['float[n,5]', 'float[n,5]', 'float[n,3]', 'float[n,7]']);
    const r18 = infer(
      { nodes: [node('Split', ['x'], ['a', 'b', 'c'], { axis: 0, num_outputs: 3 })], inputs: [valueInfo('x', F, [10])], outputs: ['a', 'b', 'c'] },
      { opset: 18 },
    );
    expect([r18.type('a'), r18.type('b'), r18.type('c')]).toEqual(['float[4]', 'float[4]', 'float[2]']);
  });

  it('infers Gather on data, GatherND, Pad (attribute and input forms), OneHot, Compress', () => {
    const r = infer({
      nodes: [
        node('Gather', ['emb', 'ids'], ['g'], { axis: 0 }),
        node('GatherND', ['x', 'nd'], ['gnd'], { batch_dims: 1 }),
        node('Pad', ['x', 'pads'], ['p']),
        node('OneHot', ['ids', 'depth', 'onoff'], ['oh'], { axis: -1 }),
        node('Compress', ['x', 'cond'], ['c'], { axis: 1 }),
      ],
      inputs: [valueInfo('emb', F, [1000, 64]), valueInfo('ids', I64, ['batch', 'seq']), valueInfo('x', F, ['n', 4, 6]), valueInfo('nd', I64, ['n', 2, 1])],
      outputs: ['g', 'gnd', 'p', 'oh', 'c'],
      initializers: [ints('pads', [0, 1, 2, 0, 3, 4]), tensor('depth', F, [], [10]), tensor('onoff', F, [2], [0, 1]), tensor('cond', ElemType.BOOL, [4], [true, false, true, true])],
    });
    expect(r.type('g')).toBe('float[batch,seq,64]');
    expect(r.type('gnd')).toBe('float[n,2,6]');
    expect(r.type('p')).toBe('float[n,8,12]');
    expect(r.type('oh')).toBe('float[batch,seq,10]');
    expect(r.type('c')).toBe('float[n,3,6]');
    const old = infer({ nodes: [node('Pad', ['x'], ['p'], { pads: [0, 1, 0, 1] })], inputs: [valueInfo('x', F, [2, 'w'])], outputs: ['p'] }, { opset: 9 });
    expect(old.type('p')).toBe('float[2,w+2]');
  });

  it('keeps the rank when a shape input is unknown', () => {
    const r = infer({
      nodes: [node('Reshape', ['x', 'target'], ['y']), node('Expand', ['x', 'target3'], ['e'])],
      inputs: [valueInfo('x', F, [2, 3, 1]), valueInfo('target', I64, [4]), valueInfo('target3', I64, [3])],
      outputs: ['y', 'e'],
    });
    expect(r.type('y')).toBe('float[?,?,?,?]');
    expect(r.type('e')).toBe('float[2,3,?]');
  });
});
