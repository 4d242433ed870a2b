import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { applyValueInfo } from '../../shared/shape/apply-value-info.js';
import { inferShapes } from '../../shared/shape/infer.js';
import { typeFromProto, typeToString } from '../../shared/shape/types.js';
import { infer } from './infer-helpers.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;

describe('the inference engine', () => {
  it('uses declared value_info where inference knows less, and reports conflicts', () => {
    const r = infer({
      nodes: [node('NonZero', ['x'], ['nz']), node('Relu', ['x'], ['y']), node('Custom', ['x'], ['c'], undefined, { domain: 'acme' })],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: ['y', valueInfo('c', F, ['k'])],
      valueInfo: [valueInfo('nz', I64, [2, 'count']), valueInfo('y', F, [2, 4])],
    });
    expect(r.type('nz')).toBe('int64[2,count]');
    expect(r.type('y')).toBe('float[2,3]');
    expect(r.type('c')).toBe('float[k]');
    expect(r.result.conflicts.map((c) => c.message)).toEqual(['#2 (Relu) output "y": inferred float[2,3], declared float[2,4]']);
    expect(r.result.unhandled).toEqual([{ domain: 'acme', opType: 'Custom', count: 1 }]);
  });

  it('records invalid nodes as failures and carries on with unknown outputs', () => {
    const r = infer({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [0, 1, 2] }), node('Relu', ['t'], ['y']), node('Relu', ['x'], ['z'])],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: ['y', 'z'],
    });
    expect(r.result.failures.map((f) => f.message)).toEqual(['#1 (Transpose): perm has 3 entries for rank 2']);
    expect(r.type('y')).toBe('?');
    expect(r.type('z')).toBe('float[2,3]');
  });

  it('reports a node once however often its loop body is inferred', () => {
    const body = graph({
      name: 'body',
      nodes: [node('Identity', ['c_in'], ['c_out']), node('Transpose', ['x'], ['bad'], { perm: [0] }), node('Mystery', ['x'], ['m'], undefined, { domain: 'acme' })],
      inputs: [valueInfo('i', I64, []), valueInfo('c_in', ElemType.BOOL, [])],
      outputs: ['c_out', 'bad'],
    });
    const r = infer({
      nodes: [node('Loop', ['n', 'c'], ['scans'], { body })],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: ['scans'],
      initializers: [tensor('n', I64, [], [5]), tensor('c', ElemType.BOOL, [], [true])],
    });
    expect(r.result.failures).toHaveLength(1);
    expect(r.result.unhandled).toEqual([{ domain: 'acme', opType: 'Mystery', count: 1 }]);
    expect(r.type('scans')).toBe('?');
  });

  it('binds symbolic input dims and uses known input values', () => {
    const spec = {
      nodes: [node('Reshape', ['x', 'target'], ['y'])],
      inputs: [valueInfo('x', F, ['batch', 6]), valueInfo('target', I64, [2])],
      outputs: ['y'],
    };
    expect(infer(spec).type('y')).toBe('float[?,?]');
    const bound = infer(spec, { inputDims: { batch: 4 }, inputValues: { target: tensor('target', I64, [2], [-1, 3]) } });
    expect(bound.type('x')).toBe('float[4,6]');
    expect(bound.type('y')).toBe('float[8,3]');
  });

  it('handles com.microsoft fusions', () => {
    const ms = { domain: 'com.microsoft' };
    const r = infer(
      {
        nodes: [
          node('Attention', ['x', 'w', 'b', '', 'past'], ['attn', 'present'], { num_heads: 12 }, ms),
          node('SkipLayerNormalization', ['x', 'x', 'g', 'beta'], ['sln', '', '', 'sum'], undefined, ms),
          node('FusedMatMul', ['x', 'wt'], ['fmm'], { transB: 1 }, ms),
          node('MatMulNBits', ['x', 'packed', 'scales'], ['q4'], { K: 768, N: 3072, bits: 4, block_size: 32 }, ms),
          node('FastGelu', ['fmm'], ['gelu'], undefined, ms),
          node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz']),
          node('MatMulInteger', ['xq', 'wq'], ['acc']),
          node('FusedConv', ['img', 'k'], ['conv'], { activation: 'Relu', pads: [1, 1, 1, 1] }, ms),
          node('QLinearAdd', ['xq', 'xs', 'xz', 'xq', 'xs', 'xz', 'xs', 'xz'], ['qadd'], undefined, ms),
          node('MultiHeadAttention', ['x', 'kv', 'kv'], ['mha'], { num_heads: 12 }, ms),
        ],
        inputs: [
          valueInfo('x', F, ['batch', 'seq', 768]),
          valueInfo('w', F, [768, 2304]),
          valueInfo('b', F, [2304]),
          valueInfo('past', F, [2, 'batch', 12, 'past', 64]),
          valueInfo('g', F, [768]),
          valueInfo('beta', F, [768]),
          valueInfo('wt', F, [3072, 768]),
          valueInfo('packed', ElemType.UINT8, [3072, 24, 16]),
          valueInfo('scales', F, [3072 * 24]),
          valueInfo('wq', ElemType.UINT8, [768, 256]),
          valueInfo('img', F, ['n', 3, 32, 32]),
          valueInfo('k', F, [16, 3, 3, 3]),
          valueInfo('kv', F, ['batch', 'kv_seq', 768]),
        ],
        outputs: ['attn', 'present', 'sln', 'sum', 'gelu', 'q4', 'acc', 'conv', 'qadd', 'mha'],
      },
      { opset: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] },
    );
    expect(r.type('attn')).toBe('float[batch,seq,768]');
    expect(r.type('present')).toBe('float[2,batch,12,past+seq,64]');
    expect(r.type('sln')).toBe('float[batch,seq,768]');
    expect(r.type('sum')).toBe('float[batch,seq,768]');
    expect(r.type('gelu')).toBe('float[batch,seq,3072]');
    expect(r.type('q4')).toBe('float[batch,seq,3072]');
    expect(r.type('xs')).toBe('float[]');
    expect(r.type('acc')).toBe('int32[batch,seq,256]');
    expect(r.type('conv')).toBe('float[n,16,32,32]');
    expect(r.type('qadd')).toBe('uint8[batch,seq,768]');
    expect(r.type('mha')).toBe('float[batch,seq,768]');
    expect(r.result.unhandled).toEqual([]);
  });
});

describe('quantized and NHWC com.microsoft operators', () => {
  it('infers QLinearConcat, QLinearAveragePool (channels last), QLinearMatMul, QGemm, GroupQueryAttention', () => {
    const ms = { domain: 'com.microsoft' };
    const u8 = ElemType.UINT8;
    const r = infer(
      {
        nodes: [
          node('QLinearConcat', ['ys', 'yz', 'a', 's', 'z', 'b', 's', 'z'], ['cat'], { axis: 1 }, ms),
          node('QLinearAveragePool', ['nhwc', 's', 'z', 's', 'z'], ['pool'], { kernel_shape: [2, 2], strides: [2, 2], channels_last: 1 }, ms),
          node('QLinearMatMul', ['a', 's', 'z', 'w', 's', 'z', 's', 'z'], ['qmm']),
          node('QGemm', ['m', 's', 'z', 'g', 's', 'z', '', 's', 'z'], ['qg'], { transB: 1 }, ms),
          node('GroupQueryAttention', ['packed'], ['gqa'], { num_heads: 8, kv_num_heads: 2 }, ms),
        ],
        inputs: [
          valueInfo('ys', F, []),
          valueInfo('yz', u8, []),
          valueInfo('s', F, []),
          valueInfo('z', u8, []),
          valueInfo('a', u8, ['n', 3]),
          valueInfo('b', u8, ['n', 5]),
          valueInfo('nhwc', u8, ['n', 32, 32, 16]),
          valueInfo('w', u8, [3, 7]),
          valueInfo('m', u8, [4, 6]),
          valueInfo('g', u8, [9, 6]),
          valueInfo('packed', ElemType.FLOAT16, ['batch', 'seq', 768]),
        ],
        outputs: ['cat', 'pool', 'qmm', 'qg', 'gqa'],
      },
      { opset: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] },
    );
    expect(r.type('cat')).toBe('uint8[n,8]');
    expect(r.type('pool')).toBe('uint8[n,16,16,16]');
    expect(r.type('qmm')).toBe('uint8[n,7]');
    expect(r.type('qg')).toBe('uint8[4,9]');
    expect(r.type('gqa')).toBe('float16[batch,seq,512]');
  });
});

describe('applyValueInfo', () => {
  it('writes inferred types as value_info and output types, undoably, and they survive encoding', () => {
    const m = new IrModel(
      model(
        graph({
          nodes: [node('Shape', ['x'], ['s']), node('Concat', ['x', 'x'], ['c'], { axis: 1 }), node('Relu', ['c'], ['y'])],
          inputs: [valueInfo('x', F, ['batch', 'seq'])],
          outputs: ['y', 's'],
        }),
      ),
    );
    const inference = inferShapes(m);
    const applied = applyValueInfo(m, inference);
    expect(applied).toEqual({ valueInfos: 1, outputs: 2 });
    expect(typeToString(typeFromProto(m.graph.valueInfo('c')?.type))).toBe('float[batch,seq*2]');
    const again = decodeModel(modelBytes(m.toProto()));
    expect(again.graph!.output!.map((o) => typeToString(typeFromProto(o.type)))).toEqual(['float[batch,seq*2]', 'int64[2]']);
    // A second application changes nothing; undo takes the whole first one back.
    expect(applyValueInfo(m, inferShapes(m))).toEqual({ valueInfos: 0, outputs: 0 });
    m.journal.undo();
    expect(m.graph.valueInfo('c')).toBeUndefined();
    expect(m.graph.outputs.map((o) => o.type)).toEqual([undefined, undefined]);
  });
});
