import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { infer } from './infer-helpers.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;

describe('elementwise and broadcasting', () => {
  it('broadcasts symbolic dims by numpy rules', () => {
    const r = infer({
      nodes: [
        node('Add', ['x', 'bias'], ['a']),
        node('Mul', ['x', 'mask'], ['m']),
        node('Sub', ['x', 'y'], ['s']),
        node('Greater', ['x', 'bias'], ['g']),
        node('Where', ['g', 'x', 'zero'], ['w']),
        node('Max', ['x', 'bias', 'mask'], ['mx']),
        node('Relu', ['x'], ['r']),
        node('IsNaN', ['x'], ['nan']),
      ],
      inputs: [
        valueInfo('x', F, ['batch', 'seq', 64]),
        valueInfo('bias', F, [64]),
        valueInfo('mask', F, ['batch', 1, 1]),
        valueInfo('y', F, ['other', 'seq', 64]),
        valueInfo('zero', F, []),
      ],
      outputs: ['a', 'm', 's', 'g', 'w', 'mx', 'r', 'nan'],
    });
    expect(r.type('a')).toBe('float[batch,seq,64]');
    expect(r.type('m')).toBe('float[batch,seq,64]');
    expect(r.type('s')).toBe('float[?,seq,64]');
    expect(r.type('g')).toBe('bool[batch,seq,64]');
    expect(r.type('w')).toBe('float[batch,seq,64]');
    expect(r.type('mx')).toBe('float[batch,seq,64]');
    expect(r.type('r')).toBe('float[batch,seq,64]');
    expect(r.type('nan')).toBe('bool[batch,seq,64]');
  });

  it('gives the first input shape for the legacy broadcast attribute (opset 6)', () => {
    const r = infer(
      { nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 1 })], inputs: [valueInfo('x', F, [2, 3, 4]), valueInfo('b', F, [3])], outputs: ['y'] },
      { opset: 6 },
    );
    expect(r.type('y')).toBe('float[2,3,4]');
  });

  it('propagates arithmetic on shape values', () => {
    const r = infer({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Mul', ['s', 'two'], ['s2']),
        node('Add', ['s2', 'one'], ['s3']),
        node('Div', ['s', 'two'], ['half']),
        node('ConstantOfShape', ['s3'], ['filled']),
        node('Cast', ['s'], ['sf'], { to: F }),
      ],
      inputs: [valueInfo('x', F, ['n', 8])],
      outputs: ['filled', 'half', 'sf'],
      initializers: [tensor('two', I64, [], [2]), tensor('one', I64, [], [1])],
    });
    expect(r.value('s3')).toEqual(['n*2+1', 17]);
    expect(r.type('filled')).toBe('float[n*2+1,17]');
    expect(r.value('half')).toEqual(['floor(n/2)', 4]);
    expect(r.type('sf')).toBe('float[2]');
  });
});

describe('data propagation through exporter patterns', () => {
  it("resolves Expand's target from Where(Equal(target, -1), 1, target)", () => {
    const r = infer({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('ConstantOfShape', ['two'], ['ones'], { value: tensor('v', I64, [1], [1]) }),
        node('Mul', ['ones', 'minus1'], ['neg']),
        node('Equal', ['s', 'neg'], ['eq']),
        node('Where', ['eq', 'ones', 's'], ['target']),
        node('Expand', ['b', 'target'], ['y']),
      ],
      inputs: [valueInfo('x', F, ['batch', 'seq']), valueInfo('b', F, [1, 1])],
      outputs: ['y'],
      initializers: [tensor('two', I64, [1], [2]), tensor('minus1', I64, [], [-1])],
    });
    expect(r.value('eq')).toEqual([0, 0]);
    expect(r.type('y')).toBe('float[batch,seq]');
  });
});

describe('matrix products and layers', () => {
  it('infers MatMul with broadcast batch dims and 1-D operands, Gemm with transposes, Einsum', () => {
    const r = infer({
      nodes: [
        node('MatMul', ['a', 'b'], ['ab']),
        node('MatMul', ['a', 'v'], ['av']),
        node('Gemm', ['p', 'q'], ['pq'], { transA: 1, transB: 1 }),
        node('Einsum', ['a', 'b'], ['e'], { equation: 'bhik,hkj->bhij' }),
        node('Einsum', ['p'], ['tr'], { equation: 'ij->ji' }),
        node('Einsum', ['a'], ['implicit'], { equation: '...ik' }),
      ],
      inputs: [
        valueInfo('a', F, ['batch', 12, 'seq', 64]),
        valueInfo('b', F, [12, 64, 'seq']),
        valueInfo('v', F, [64]),
        valueInfo('p', F, [5, 3]),
        valueInfo('q', F, [4, 5]),
      ],
      outputs: ['ab', 'av', 'pq', 'e', 'tr', 'implicit'],
    });
    expect(r.type('ab')).toBe('float[batch,12,seq,seq]');
    expect(r.type('av')).toBe('float[batch,12,seq]');
    expect(r.type('pq')).toBe('float[3,4]');
    expect(r.type('e')).toBe('float[batch,12,seq,seq]');
    expect(r.type('tr')).toBe('float[3,5]');
    expect(r.type('implicit')).toBe('float[batch,12,seq,64]');
  });

  it('infers normalization statistics, softmax, dropout mask, TopK, reductions', () => {
    const r = infer({
      nodes: [
        node('LayerNormalization', ['x', 'g', 'b'], ['ln', 'mean', 'inv'], { axis: -1, epsilon: attrFloat(1e-5) }),
        node('Softmax', ['x'], ['sm'], { axis: -1 }),
        node('Dropout', ['x'], ['d', 'mask']),
        node('TopK', ['x', 'k'], ['vals', 'idx'], { axis: 1 }),
        node('ReduceSum', ['x', 'axes'], ['rs'], { keepdims: 0 }),
        node('ReduceMean', ['x'], ['rm'], { axes: [-1] }),
        node('ArgMax', ['x'], ['am'], { axis: 2, keepdims: 0 }),
      ],
      inputs: [valueInfo('x', F, ['batch', 'seq', 64]), valueInfo('g', F, [64]), valueInfo('b', F, [64])],
      outputs: ['ln', 'mean', 'inv', 'sm', 'd', 'mask', 'vals', 'idx', 'rs', 'rm', 'am'],
      initializers: [tensor('k', I64, [1], [5]), tensor('axes', I64, [1], [1])],
    });
    expect(r.type('ln')).toBe('float[batch,seq,64]');
    expect(r.type('mean')).toBe('float[batch,seq,1]');
    expect(r.type('sm')).toBe('float[batch,seq,64]');
    expect(r.type('mask')).toBe('bool[batch,seq,64]');
    expect(r.type('vals')).toBe('float[batch,5,64]');
    expect(r.type('idx')).toBe('int64[batch,5,64]');
    expect(r.type('rs')).toBe('float[batch,64]');
    expect(r.type('rm')).toBe('float[batch,seq,1]');
    expect(r.type('am')).toBe('int64[batch,seq]');
  });

  it('infers LSTM outputs for both layouts and directions', () => {
    const r = infer({
      nodes: [
        node('LSTM', ['x', 'w', 'r'], ['y', 'yh', 'yc'], { hidden_size: 20, direction: 'bidirectional' }),
        node('GRU', ['xb', 'wg', 'rg'], ['y2', 'yh2'], { hidden_size: 8, layout: 1 }),
      ],
      inputs: [
        valueInfo('x', F, ['seq', 'batch', 10]),
        valueInfo('w', F, [2, 80, 10]),
        valueInfo('r', F, [2, 80, 20]),
        valueInfo('xb', F, ['batch', 'seq', 10]),
        valueInfo('wg', F, [1, 24, 10]),
        valueInfo('rg', F, [1, 24, 8]),
      ],
      outputs: ['y', 'yh', 'yc', 'y2', 'yh2'],
    });
    expect(r.type('y')).toBe('float[seq,2,batch,20]');
    expect(r.type('yh')).toBe('float[2,batch,20]');
    expect(r.type('yc')).toBe('float[2,batch,20]');
    expect(r.type('y2')).toBe('float[batch,seq,1,8]');
    expect(r.type('yh2')).toBe('float[batch,1,8]');
  });
});

describe('convolution and pooling', () => {
  it('infers Conv with pads, strides, dilations and groups', () => {
    const r = infer({
      nodes: [
        node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1], strides: [2, 2] }),
        node('Conv', ['x', 'w'], ['d'], { dilations: [2, 2] }),
        node('Conv', ['x', 'w'], ['same'], { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
        node('Conv', ['x', 'w'], ['valid'], { auto_pad: 'VALID' }),
      ],
      inputs: [valueInfo('x', F, ['n', 3, 224, 'w_in']), valueInfo('w', F, [64, 3, 3, 3])],
      outputs: ['y', 'd', 'same', 'valid'],
    });
    expect(r.type('y')).toBe('float[n,64,112,floor((w_in+1)/2)]');
    expect(r.type('d')).toBe('float[n,64,220,w_in-4]');
    expect(r.type('same')).toBe('float[n,64,112,floor((w_in+1)/2)]');
    expect(r.type('valid')).toBe('float[n,64,222,w_in-2]');
  });

  it('infers pooling with ceil_mode, global pooling and ConvTranspose', () => {
    const r = infer({
      nodes: [
        node('MaxPool', ['x'], ['mp', 'mi'], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }),
        node('AveragePool', ['x'], ['ap'], { kernel_shape: [2, 2], strides: [2, 2] }),
        node('GlobalAveragePool', ['x'], ['gap']),
        node('ConvTranspose', ['x', 'wt'], ['ct'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
      ],
      inputs: [valueInfo('x', F, [1, 8, 32, 31]), valueInfo('wt', F, [8, 4, 3, 3])],
      outputs: ['mp', 'mi', 'ap', 'gap', 'ct'],
    });
    expect(r.type('mp')).toBe('float[1,8,16,15]');
    expect(r.type('mi')).toBe('int64[1,8,16,15]');
    expect(r.type('ap')).toBe('float[1,8,16,15]');
    expect(r.type('gap')).toBe('float[1,8,1,1]');
    expect(r.type('ct')).toBe('float[1,4,64,62]');
  });

  it('infers Resize from scales and from sizes', () => {
    const r = infer({
      nodes: [node('Resize', ['x', '', 'scales'], ['up']), node('Resize', ['x', '', '', 'sizes'], ['fixed'])],
      inputs: [valueInfo('x', F, ['n', 3, 'h', 10])],
      outputs: ['up', 'fixed'],
      initializers: [tensor('scales', F, [4], [1, 1, 2, 0.5]), tensor('sizes', I64, [4], [1, 3, 64, 64])],
    });
    expect(r.type('up')).toBe('float[n,3,h*2,5]');
    expect(r.type('fixed')).toBe('float[1,3,64,64]');
  });
});
