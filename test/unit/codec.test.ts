import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, tensor, typedTensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { UNKNOWN_FIELDS } from '../../shared/proto/decode.js';
import { PackedValues } from '../../shared/proto/packed-values.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';

const roundTrip = (bytes: Uint8Array) => concatSegments(encodeModel(new IrModel(decodeModel(bytes)).toProto()));

/** Field `no` as a length-delimited field holding `payload`, hand-encoded (small sizes only). */
function lenField(no: number, payload: number[]): number[] {
  return [(no << 3) | 2, payload.length, ...payload];
}

function everyFieldModel(): ModelProto {
  const body = graph({ name: 'body', nodes: [node('Identity', ['outer'], ['inner'])], outputs: ['inner'] });
  const m = model(
    graph({
      nodes: [
        node('Relu', ['x'], ['y'], {}, { name: 'relu', docString: 'a node' }),
        node('If', ['c'], ['z'], { then_branch: body, else_branch: body }),
        node('Custom', ['y'], ['w'], { big: 9223372036854775807n, small: -9223372036854775808n, neg: -1 }, { domain: 'my.domain' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, ['n', 3]), valueInfo('c', ElemType.BOOL, []), valueInfo('outer', ElemType.FLOAT, [1])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['n', 3]), 'z', 'w'],
      initializers: [
        typedTensor('f', ElemType.FLOAT, [2], [1.5, -2]),
        typedTensor('i64', ElemType.INT64, [3], [9223372036854775807n, -1, 0]),
        typedTensor('u64', ElemType.UINT64, [1], [18446744073709551615n]),
        typedTensor('d', ElemType.DOUBLE, [1], [Math.PI]),
        typedTensor('h', ElemType.FLOAT16, [2], [0x3c00, 0x7bff]),
        tensor('i4', ElemType.INT4, [3], [-8, 7, -1]),
        tensor('bf', ElemType.BFLOAT16, [1], [1]),
        tensor('f8', ElemType.FLOAT8E4M3FN, [1], [448]),
        tensor('c64', ElemType.COMPLEX64, [1], [1, -1]),
      ],
    }),
    { opset: [{ domain: '', version: 21 }, { domain: 'my.domain', version: 1 }], irVersion: 11, metadata: { k: 'v' } },
  );
  m.graph!.sparseInitializer = [{ values: tensor('sv', ElemType.FLOAT, [2], [1, 2]), indices: tensor('si', ElemType.INT64, [2], [1n, 5n]), dims: [10] }];
  m.graph!.quantizationAnnotation = [{ tensorName: 'y', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 'f' }] }];
  m.graph!.node![0]!.deviceConfigurations = [
    {
      configurationId: 'mesh',
      pipelineStage: 1,
      shardingSpec: [
        {
          tensorName: 'x',
          device: [0, 1],
          indexToDeviceGroupMap: [{ key: 0, value: [0, 1] }],
          shardedDim: [{ axis: 0, simpleSharding: [{ dimParam: 'n', numShards: 2 }] }],
        },
      ],
    },
  ];
  m.configuration = [{ name: 'mesh', numDevices: 2, device: ['cuda:0', 'cuda:1'] }];
  m.functions = [{ name: 'F', domain: 'my.domain', input: ['a'], output: ['b'], node: [node('Neg', ['a'], ['b'])], opsetImport: [{ domain: '', version: 21 }] }];
  m.trainingInfo = [{ algorithm: graph({ name: 'train', nodes: [] }), updateBinding: [{ key: 'f', value: 'f' }] }];
  return m;
}

describe('ONNX codec', () => {
  it('writes back every field of the current schema, through the IR, byte for byte', () => {
    const bytes = modelBytes(everyFieldModel());
    expect(Buffer.compare(Buffer.from(roundTrip(bytes)), Buffer.from(bytes))).toBe(0);
    const again = decodeModel(bytes);
    expect(again.configuration?.[0]?.device).toEqual(['cuda:0', 'cuda:1']);
    expect(again.graph?.node?.[0]?.deviceConfigurations?.[0]?.shardingSpec?.[0]?.shardedDim?.[0]?.simpleSharding?.[0]).toEqual({
      dimParam: 'n',
      numShards: 2,
    });
    expect(again.trainingInfo?.[0]?.updateBinding).toEqual([{ key: 'f', value: 'f' }]);
    expect(again.graph?.sparseInitializer?.[0]?.dims).toEqual([10]);
  });

  it('keeps 64-bit integers exact', () => {
    const m = decodeModel(modelBytes(everyFieldModel()));
    const attrs = m.graph!.node![2]!.attribute!;
    expect(attrs.map((a) => a.i)).toEqual([9223372036854775807n, -9223372036854775808n, -1]);
    const i64 = m.graph!.initializer!.find((t) => t.name === 'i64')!;
    expect(i64.int64Data!.values()).toEqual([9223372036854775807n, -1, 0]);
    const u64 = m.graph!.initializer!.find((t) => t.name === 'u64')!;
    expect(u64.uint64Data!.values()).toEqual([18446744073709551615n]);
  });

  it('keeps fields it does not know, at every level, in place', () => {
    const base = modelBytes(model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: ['x'], outputs: ['y'] })));
    // Append unknown field 99 (a string) to the model and unknown field 50 (varint) inside a node.
    const m = decodeModel(base);
    const unknownModel = Uint8Array.from([0x9a, 0x06, 3, 0x61, 0x62, 0x63]); // field 99, LEN "abc"
    const unknownNode = Uint8Array.from([0x90, 0x03, 42]); // field 50, varint 42
    m[UNKNOWN_FIELDS] = [unknownModel];
    m.graph!.node![0]![UNKNOWN_FIELDS] = [unknownNode];
    const bytes = concatSegments(encodeModel(m));
    const back = decodeModel(bytes);
    expect(back[UNKNOWN_FIELDS]).toEqual([unknownModel]);
    expect(back.graph!.node![0]![UNKNOWN_FIELDS]).toEqual([unknownNode]);
    expect(Buffer.compare(Buffer.from(roundTrip(bytes)), Buffer.from(bytes))).toBe(0);
  });

  it('keeps a non-canonical packing the file used', () => {
    // AttributeProto.ints (field 8) is unpacked in proto2; write it packed instead.
    const attr = [...lenField(1, [0x6b]), ...lenField(8, [1, 2, 3]), 0xa0, 0x01, 7]; // name "k", ints packed, type INTS
    const nodeBytes = [...lenField(1, [0x78]), ...lenField(2, [0x79]), ...lenField(4, [0x46]), ...lenField(5, attr)]; // x → y, op "F"
    const graphBytes = [...lenField(1, nodeBytes), ...lenField(11, lenField(1, [0x78])), ...lenField(12, lenField(1, [0x79]))];
    const bytes = Uint8Array.from([0x08, 8, ...lenField(7, graphBytes)]);
    const m = decodeModel(bytes);
    expect(m.graph!.node![0]!.attribute![0]!.ints).toEqual([1, 2, 3]);
    expect(Buffer.compare(Buffer.from(roundTrip(bytes)), Buffer.from(bytes))).toBe(0);
  });

  it('writes back strings that are not valid UTF-8 byte for byte, and valid ones unchanged', () => {
    const invalid = [
      [0xff], // never valid
      [0xc0, 0xaf], // an overlong '/'
      [0xe2, 0x82], // a sequence cut short
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate written as UTF-8
      [0x61, 0x80, 0x62], // a stray continuation byte between letters
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
    ];
    for (const bad of invalid) {
      // A node named "é" + the bad bytes + "€😀": op "F", so the name is field 3 of the node.
      const name = [0xc3, 0xa9, ...bad, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80];
      const nodeBytes = [...lenField(3, name), ...lenField(4, [0x46])];
      const bytes = Uint8Array.from([0x08, 8, ...lenField(7, lenField(1, nodeBytes))]);
      expect(Buffer.compare(Buffer.from(roundTrip(bytes)), Buffer.from(bytes)), bad.join(' ')).toBe(0);
      const decoded = decodeModel(bytes).graph!.node![0]!.name!;
      expect(decoded.startsWith('é') && decoded.endsWith('€😀')).toBe(true);
      expect(decoded).not.toContain('\uFFFD');
    }
    // A byte-order mark at the start of a string is part of it, kept like any other character.
    const withBom = [0xef, 0xbb, 0xbf, 0x61, 0xff];
    const bomBytes = Uint8Array.from([0x08, 8, ...lenField(7, lenField(1, [...lenField(3, withBom), ...lenField(4, [0x46])]))]);
    expect(Buffer.compare(Buffer.from(roundTrip(bomBytes)), Buffer.from(bomBytes))).toBe(0);
    const text = '\uFEFFnaïve→名前😀';
    const m = model(graph({ nodes: [node('Relu', ['x'], ['y'], {}, { name: text })], inputs: ['x'], outputs: ['y'] }));
    const bytes = modelBytes(m);
    expect(decodeModel(bytes).graph!.node![0]!.name).toBe(text);
    expect(Buffer.compare(Buffer.from(roundTrip(bytes)), Buffer.from(bytes))).toBe(0);
  });

  it('does not copy or decode weights when decoding', () => {
    const bytes = modelBytes(everyFieldModel());
    const m = decodeModel(bytes);
    const bf = m.graph!.initializer!.find((t) => t.name === 'bf')!;
    expect(bf.rawData!.buffer).toBe(bytes.buffer); // a view into the file's buffer
    const f = m.graph!.initializer!.find((t) => t.name === 'f')!;
    expect(f.floatData).toBeInstanceOf(PackedValues);
    expect(f.floatData!.chunks[0]!.buffer).toBe(bytes.buffer);
    expect(f.floatData!.values()).toEqual([1.5, -2]);
  });
});
