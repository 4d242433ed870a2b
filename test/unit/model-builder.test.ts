import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  attr,
  attrFloat,
  attrFloats,
  attrGraph,
  attrInts,
  ElemType,
  graph,
  model,
  modelBytes,
  node,
  scalar,
  sequenceType,
  stringTensor,
  tensor,
  tensorType,
  typedTensor,
  valueInfo,
} from '../../shared/builder/index.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { AttrType, type ModelProto } from '../../shared/onnx/proto-types.js';
import { decodeRawValues } from '../../shared/onnx/tensor-values.js';
import { PackedValues } from '../../shared/proto/packed-values.js';

const CONFORMANCE = new URL('../../../shared/onnx-conformance/node/', import.meta.url);

// Decoded lazy fields hold packed bytes, built ones hold values; compare what they mean.
function plain(v: unknown): unknown {
  if (v instanceof PackedValues) return { packed: v.kind, values: v.values() };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function roundTrip(m: ModelProto): ModelProto {
  return decodeModel(modelBytes(m));
}

async function run(m: ModelProto, feeds: Record<string, ort.Tensor> = {}): Promise<Record<string, ort.Tensor>> {
  // onnxruntime's optimizer off: the model should run as built, not as rewritten.
  const session = await ort.InferenceSession.create(modelBytes(m), { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function convRelu(): ModelProto {
  return model(
    graph({
      name: 'conv_relu',
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [2, 2], strides: [1, 1] }, { name: 'conv' }),
        node('Relu', ['c'], ['y'], undefined, { name: 'relu' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 1, 3, 3])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, 1, 2, 2])],
      initializers: [tensor('w', ElemType.FLOAT, [1, 1, 2, 2], [1, 2, 3, 4]), tensor('b', ElemType.FLOAT, [1], [-40])],
    }),
  );
}

// then: x + one (`one` from the main graph); else: x * two (`two` is the branch's own initializer).
function ifModel(): ModelProto {
  const thenBranch = graph({ name: 'then', nodes: [node('Add', ['x', 'one'], ['t'])], outputs: ['t'] });
  const elseBranch = graph({
    name: 'else',
    nodes: [node('Mul', ['x', 'two'], ['e'])],
    outputs: [valueInfo('e', ElemType.FLOAT, [2])],
    initializers: [tensor('two', ElemType.FLOAT, [1], [2])],
  });
  return model(
    graph({
      nodes: [node('If', ['cond'], ['y'], { then_branch: thenBranch, else_branch: elseBranch })],
      inputs: [valueInfo('cond', ElemType.BOOL, []), valueInfo('x', ElemType.FLOAT, [2])],
      outputs: [valueInfo('y', ElemType.FLOAT, [2])],
      initializers: [tensor('one', ElemType.FLOAT, [1], [1])],
    }),
  );
}

describe('attributes', () => {
  it('infers INT for integral numbers and bigints, FLOAT for the rest', () => {
    expect(attr('k', 3)).toEqual({ name: 'k', type: AttrType.INT, i: 3 });
    expect(attr('k', -2n)).toEqual({ name: 'k', type: AttrType.INT, i: -2 });
    expect(attr('k', 2n ** 60n)).toEqual({ name: 'k', type: AttrType.INT, i: 2n ** 60n });
    expect(attr('a', 0.5)).toEqual({ name: 'a', type: AttrType.FLOAT, f: 0.5 });
    // The file holds float32, so the builder stores exactly what will be read back.
    expect(attr('a', 0.1).f).toBe(Math.fround(0.1));
    expect(attr('a', attrFloat(1))).toEqual({ name: 'a', type: AttrType.FLOAT, f: 1 });
  });

  it('infers list, string, tensor and graph types', () => {
    expect(attr('p', [1, 2n])).toMatchObject({ type: AttrType.INTS, ints: [1, 2] });
    expect(attr('p', [1, 0.5])).toMatchObject({ type: AttrType.FLOATS, floats: [1, 0.5] });
    expect(attr('p', attrFloats([1, 2]))).toMatchObject({ type: AttrType.FLOATS, floats: [1, 2] });
    expect(attr('s', 'hé')).toMatchObject({ type: AttrType.STRING, s: new Uint8Array([0x68, 0xc3, 0xa9]) });
    expect(attr('s', ['a', new Uint8Array([0])])).toMatchObject({
      type: AttrType.STRINGS,
      strings: [new Uint8Array([0x61]), new Uint8Array([0])],
    });
    const t = scalar('t', ElemType.FLOAT, 1);
    expect(attr('t', t)).toEqual({ name: 't', type: AttrType.TENSOR, t });
    expect(attr('ts', [t, t]).type).toBe(AttrType.TENSORS);
    const g = graph({ nodes: [] });
    expect(attr('g', g)).toEqual({ name: 'g', type: AttrType.GRAPH, g });
    expect(attr('gs', [g]).type).toBe(AttrType.GRAPHS);
    const odd = { name: 'odd', dims: [1], node: [] };
    expect(attr('g', attrGraph(odd))).toEqual({ name: 'g', type: AttrType.GRAPH, g: odd });
    expect(attr('e', attrInts([]))).toEqual({ name: 'e', type: AttrType.INTS, ints: [] });
  });

  it('refuses values it cannot represent exactly or cannot type', () => {
    expect(() => attr('e', [])).toThrow(/"e".*empty list/);
    expect(() => attr('big', 2 ** 60)).toThrow(/"big".*bigint/);
    expect(() => attr('big', 2n ** 63n)).toThrow(/outside int64/);
    expect(() => attr('x', { name: 'what', dims: [1], node: [] })).toThrow(/attrTensor\/attrGraph/);
    expect(() => attr('m', [1, 'a'] as unknown as number[])).toThrow(/cannot tell/);
  });
});

describe('tensors and value infos', () => {
  it('writes raw_data little-endian, exactly, int64 via bigint', () => {
    const t = tensor('i', ElemType.INT64, [3], [2n ** 62n + 1n, -1, 7n]);
    expect(t.dims).toEqual([3]);
    expect([...t.rawData!.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 0, 0, 0x40]);
    expect([...t.rawData!.subarray(8, 16)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(decodeRawValues(ElemType.INT64, t.rawData!, 3)).toEqual(new BigInt64Array([2n ** 62n + 1n, -1n, 7n]));
    const h = tensor('h', ElemType.FLOAT16, [3], [1, 0.5, 65504]);
    expect([...h.rawData!]).toEqual([0x00, 0x3c, 0x00, 0x38, 0xff, 0x7b]);
  });

  it('writes typed fields the way onnx.helper does', () => {
    const f = typedTensor('f', ElemType.FLOAT, [2], [0.1, -3]);
    expect(f.floatData!.values()).toEqual([Math.fround(0.1), -3]);
    expect(f.rawData).toBeUndefined();
    const i = typedTensor('i', ElemType.INT64, [2], [2n ** 62n + 1n, -5]);
    expect(i.int64Data!.values()).toEqual([2n ** 62n + 1n, -5]);
    // 16-bit floats go to int32_data as their bits, int8 as the value, int4 two to an entry.
    expect(typedTensor('h', ElemType.FLOAT16, [2], [1, -2]).int32Data!.values()).toEqual([0x3c00, 0xc000]);
    expect(typedTensor('b', ElemType.INT8, [2], [-1, 5]).int32Data!.values()).toEqual([-1, 5]);
    expect(typedTensor('q', ElemType.INT4, [3], [-1, 2, 7]).int32Data!.values()).toEqual([0x2f, 0x07]);
    expect(typedTensor('u', ElemType.UINT32, [1], [4294967295]).uint64Data!.values()).toEqual([4294967295]);
  });

  it('checks the value count against the shape and the values against the type', () => {
    expect(() => tensor('w', ElemType.FLOAT, [2, 2], [1, 2, 3])).toThrow(/"w".*needs 4 values, got 3/);
    expect(() => tensor('w', ElemType.UINT8, [1], [256])).toThrow(/not a valid uint8/);
    expect(() => tensor('s', ElemType.STRING, [1], [1])).toThrow(/stringTensor/);
    expect(tensor('c', ElemType.COMPLEX64, [1], [1, 2]).rawData!.length).toBe(8);
  });

  it('builds shapes with sizes, symbolic and unknown dims', () => {
    expect(valueInfo('x', ElemType.FLOAT, ['N', 3, null])).toEqual({
      name: 'x',
      type: { tensorType: { elemType: ElemType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, {}] } } },
    });
    expect(valueInfo('x', ElemType.FLOAT).type!.tensorType!.shape).toBeUndefined();
    expect(valueInfo('x', ElemType.BOOL, []).type!.tensorType!.shape).toEqual({});
    expect(valueInfo('x')).toEqual({ name: 'x' });
    expect(valueInfo('s', sequenceType(tensorType(ElemType.INT64, [1])))).toEqual({
      name: 's',
      type: { sequenceType: { elemType: { tensorType: { elemType: ElemType.INT64, shape: { dim: [{ dimValue: 1 }] } } } } },
    });
  });
});

describe('model builder', () => {
  it('fills model defaults and opsets', () => {
    const m = model(graph({ nodes: [] }));
    expect(m).toMatchObject({ irVersion: 8, producerName: 'onnx-workbench', opsetImport: [{ domain: '', version: 17 }] });
    expect(m.graph!.name).toBe('main');
    const m2 = model(graph({ nodes: [] }), {
      opset: [
        { domain: '', version: 13 },
        { domain: 'com.microsoft', version: 1 },
      ],
      irVersion: 7,
      metadata: { a: 'b' },
    });
    expect(m2).toMatchObject({ irVersion: 7, opsetImport: [{ version: 13 }, { domain: 'com.microsoft' }], metadataProps: [{ key: 'a', value: 'b' }] });
  });

  it('encodes and decodes back to equal structures', () => {
    const everything = model(
      graph({
        name: 'g',
        nodes: [
          node('Constant', [], ['s'], { value: stringTensor('c', [2], ['héllo', new Uint8Array([0xff])]) }, { name: 'k', domain: '' }),
          node('Custom', ['x', '', 'w'], ['y', ''], {
            f: attrFloat(2),
            i: 2n ** 60n,
            fs: [0.1, 0.2],
            is: [-1, 2n ** 62n],
            str: 'a',
            strs: ['p', 'q'],
            t: typedTensor('tt', ElemType.INT64, [2, 1], [-(2n ** 62n), 3]),
          }, { domain: 'my.domain', docString: 'why' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT16, ['N', 3]), valueInfo('w', ElemType.UINT8, [null])],
        outputs: ['y', valueInfo('s', ElemType.STRING, [2])],
        initializers: [typedTensor('d', ElemType.DOUBLE, [], [Math.PI]), tensor('q', ElemType.INT4, [3], [-8, 7, 1])],
        valueInfo: [valueInfo('y', ElemType.FLOAT, [])],
      }),
      { opset: [{ domain: '', version: 17 }, { domain: 'my.domain', version: 1 }], modelVersion: 3, docString: 'd' },
    );
    for (const m of [everything, convRelu(), ifModel()]) expect(plain(roundTrip(m))).toEqual(plain(m));
  });

  // onnx's own test generator wrote these files with onnx.helper; the builder must match byte for byte.
  it('writes the same bytes as onnx.helper for conformance models', () => {
    const fileBytes = (t: string) => new Uint8Array(readFileSync(new URL(`${t}/model.onnx`, CONFORMANCE)));
    const opts = (irVersion: number, opset: number) => ({ irVersion, opset, producerName: 'backend-test' });
    const f345 = (name: string) => valueInfo(name, ElemType.FLOAT, [3, 4, 5]);

    const add = model(graph({ name: 'test_add', nodes: [node('Add', ['x', 'y'], ['sum'])], inputs: [f345('x'), f345('y')], outputs: [f345('sum')] }), opts(7, 14));
    expect(modelBytes(add)).toEqual(fileBytes('test_add'));

    const leaky = model(graph({ name: 'test_leakyrelu', nodes: [node('LeakyRelu', ['x'], ['y'], { alpha: 0.1 })], inputs: [f345('x')], outputs: [f345('y')] }), opts(8, 16));
    expect(modelBytes(leaky)).toEqual(fileBytes('test_leakyrelu'));

    const conv = model(
      graph({
        name: 'test_conv_with_strides_padding',
        nodes: [node('Conv', ['x', 'W'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] })],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 1, 7, 5]), valueInfo('W', ElemType.FLOAT, [1, 1, 3, 3])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 1, 4, 3])],
      }),
      opts(6, 11),
    );
    expect(modelBytes(conv)).toEqual(fileBytes('test_conv_with_strides_padding'));

    const branch = (name: string, out: string, values: number[]) =>
      graph({ name, nodes: [node('Constant', [], [out], { value: tensor('', ElemType.FLOAT, [5], values) })], outputs: [valueInfo(out, ElemType.FLOAT, [5])] });
    const ifm = model(
      graph({
        name: 'test_if',
        nodes: [node('If', ['cond'], ['res'], { else_branch: branch('else_body', 'else_out', [5, 4, 3, 2, 1]), then_branch: branch('then_body', 'then_out', [1, 2, 3, 4, 5]) })],
        inputs: [valueInfo('cond', ElemType.BOOL, [])],
        outputs: [valueInfo('res', ElemType.FLOAT, [5])],
      }),
      opts(6, 11),
    );
    // onnx.helper leaves the Constant's tensor unnamed; the builder always names it, so drop that.
    for (const a of ifm.graph!.node![0]!.attribute!) delete a.g!.node![0]!.attribute![0]!.t!.name;
    expect(modelBytes(ifm)).toEqual(fileBytes('test_if'));
  });
});

describe('built models run in onnxruntime', () => {
  it('Add of two known tensors', async () => {
    const m = model(
      graph({
        nodes: [node('Add', ['a', 'b'], ['y'])],
        inputs: [valueInfo('a', ElemType.FLOAT, [2, 2])],
        outputs: [valueInfo('y', ElemType.FLOAT, [2, 2])],
        initializers: [tensor('b', ElemType.FLOAT, [2, 2], [10, 20, 30, 40])],
      }),
    );
    const { y } = await run(m, { a: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]) });
    expect(y!.dims).toEqual([2, 2]);
    expect([...(y!.data as Float32Array)]).toEqual([11, 22, 33, 44]);
  });

  it('Conv with known weights, then Relu', async () => {
    const x = new ort.Tensor('float32', Float32Array.from({ length: 9 }, (_, i) => i + 1), [1, 1, 3, 3]);
    const { y } = await run(convRelu(), { x });
    // y[i][j] = x[i][j] + 2 x[i][j+1] + 3 x[i+1][j] + 4 x[i+1][j+1] - 40: [-3, 7, 27, 37], then Relu.
    expect([...(y!.data as Float32Array)]).toEqual([0, 7, 27, 37]);
  });

  it('If selects a branch; the then-branch reads an outer-scope initializer', async () => {
    const x = new ort.Tensor('float32', Float32Array.from([3, -1]), [2]);
    const yes = await run(ifModel(), { cond: new ort.Tensor('bool', Uint8Array.from([1]), []), x });
    expect([...(yes.y!.data as Float32Array)]).toEqual([4, 0]);
    const no = await run(ifModel(), { cond: new ort.Tensor('bool', Uint8Array.from([0]), []), x });
    expect([...(no.y!.data as Float32Array)]).toEqual([6, -2]);
  });

  it('keeps int64 values past 2^53 exact, raw and typed', async () => {
    const big = 2n ** 53n + 1n;
    const m = model(
      graph({
        nodes: [node('Add', ['x', 'c1'], ['s']), node('Add', ['s', 'c2'], ['y'])],
        inputs: [valueInfo('x', ElemType.INT64, [2])],
        outputs: [valueInfo('y', ElemType.INT64, [2])],
        initializers: [typedTensor('c1', ElemType.INT64, [2], [big, -(2n ** 62n)]), tensor('c2', ElemType.INT64, [2], [2n ** 60n, 1])],
      }),
    );
    const { y } = await run(m, { x: new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [2]) });
    expect([...(y!.data as BigInt64Array)]).toEqual([big + 1n + 2n ** 60n, -(2n ** 62n) + 3n]);
  });

  it('float16 tensors, raw and typed, hold the rounded values', async () => {
    const values = [1, 0.5, 65504, 0.1];
    const m = model(
      graph({
        nodes: [node('Cast', ['h1'], ['y1'], { to: ElemType.FLOAT }), node('Cast', ['h2'], ['y2'], { to: ElemType.FLOAT })],
        outputs: [valueInfo('y1', ElemType.FLOAT, [4]), valueInfo('y2', ElemType.FLOAT, [4])],
        initializers: [tensor('h1', ElemType.FLOAT16, [4], values), typedTensor('h2', ElemType.FLOAT16, [4], values)],
      }),
    );
    const { y1, y2 } = await run(m);
    // 0.1 in float16 is 0x2e66 = 0.0999755859375.
    const expected = [1, 0.5, 65504, 0.0999755859375];
    expect([...(y1!.data as Float32Array)]).toEqual(expected);
    expect([...(y2!.data as Float32Array)]).toEqual(expected);
  });

  it('FLOAT, INT, INTS, STRING and TENSOR attributes reach the operators', async () => {
    const m = model(
      graph({
        nodes: [
          // alpha must be FLOAT: as INT 2, onnxruntime refuses the model.
          node('Gemm', ['a', 'b', 'c'], ['g'], { alpha: attrFloat(2), beta: 0.5, transB: 1 }),
          node('Constant', [], ['s'], { value: stringTensor('sv', [2], ['héllo', 'b']) }),
          node('Constant', [], ['i'], { value_ints: [1, 2n ** 40n] }),
        ],
        inputs: [valueInfo('a', ElemType.FLOAT, [1, 2])],
        outputs: [valueInfo('g', ElemType.FLOAT, [1, 2]), valueInfo('s', ElemType.STRING, [2]), valueInfo('i', ElemType.INT64, [2])],
        initializers: [tensor('b', ElemType.FLOAT, [2, 2], [1, 2, 3, 4]), tensor('c', ElemType.FLOAT, [2], [10, 20])],
      }),
    );
    const { g, s, i } = await run(m, { a: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]) });
    // a . b^T = [1+2, 3+4] = [3, 7]; 2 * that + 0.5 * [10, 20] = [11, 24].
    expect([...(g!.data as Float32Array)]).toEqual([11, 24]);
    expect(s!.data).toEqual(['héllo', 'b']);
    expect([...(i!.data as BigInt64Array)]).toEqual([1n, 2n ** 40n]);
  });

  it('an integral FLOAT attribute left to inference is an INT, which onnxruntime rejects', async () => {
    const m = model(
      graph({
        nodes: [node('LeakyRelu', ['x'], ['y'], { alpha: 2 })],
        inputs: [valueInfo('x', ElemType.FLOAT, [1])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1])],
      }),
    );
    await expect(run(m, { x: new ort.Tensor('float32', Float32Array.from([-1]), [1]) })).rejects.toThrow(/alpha/);
  });
});
