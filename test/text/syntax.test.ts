import { describe, expect, it } from 'vitest';
import {
  attrFloat,
  attrGraph,
  attrGraphs,
  attrRef,
  attrSparseTensor,
  ElemType,
  graph,
  model,
  node,
  sequenceType,
  stringTensor,
  tensor,
  tensorType,
  valueInfo,
} from '../../shared/builder/index.js';
import { AttrType, type AttributeProto, type ModelProto } from '../../shared/onnx/proto-types.js';
import { parseGraph, parseModel, parseNodes, type ParseResult } from '../../shared/text/parser.js';
import { printGraph, printModel, printNodeProtos } from '../../shared/text/printer.js';
import { tensorValues } from '../../shared/verify/tensor-data.js';
import { modelStructure } from './structure.js';

// Each element of the syntax, printed from builder-made protos and read back, and texts written
// by hand (as a user would type them in the editor).

const F = ElemType.FLOAT;

function ok<T>(r: ParseResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.line}:${r.error.column}: ${r.error.message}`);
  return r.value;
}

function roundTrips(m: ModelProto): ModelProto {
  const back = ok(parseModel(printModel(m).text));
  expect(modelStructure(back)).toEqual(modelStructure(m));
  return back;
}

function oneNodeModel(attributes: AttributeProto[], opType = 'Foo'): ModelProto {
  return model(graph({ nodes: [node(opType, ['x'], ['y'], attributes)], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }));
}

function nodeLine(m: ModelProto): string {
  return printModel(m).text.split('\n').find((l) => l.includes(' = Foo'))!.trim();
}

describe('printing', () => {
  it('writes the model header, signature and nodes as onnx.printer does', () => {
    const m = model(graph({ name: 'g', nodes: [node('Relu', ['x'], ['y'], undefined, { name: 'relu0' })], inputs: [valueInfo('x', F, ['N', 3, 224, 224])], outputs: [valueInfo('y', F, ['N', 3, 224, 224])] }), {
      producerName: 'me',
      metadata: { author: 'a' },
    });
    expect(printModel(m).text).toBe(
      [
        '<',
        '   ir_version: 8,',
        '   opset_import: ["" : 17],',
        '   producer_name: "me",',
        '   metadata_props: ["author": "a"]',
        '>',
        'g (float[N,3,224,224] x) => (float[N,3,224,224] y) {',
        '   [relu0] y = Relu (x)',
        '}',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, AttributeProto, string]>([
    ['int', { name: 'axis', type: AttrType.INT, i: -1 }, 'axis: int = -1'],
    ['float', { name: 'alpha', type: AttrType.FLOAT, f: Math.fround(0.1) }, 'alpha: float = 0.1'],
    ['string', { name: 'mode', type: AttrType.STRING, s: new TextEncoder().encode('a "b"\n\\') }, 'mode: string = "a \\"b\\"\\n\\\\"'],
    ['ints', { name: 'perm', type: AttrType.INTS, ints: [0, 2, 1] }, 'perm: ints = [0, 2, 1]'],
    ['empty ints', { name: 'e', type: AttrType.INTS, ints: [] }, 'e: ints = []'],
    ['floats', { name: 'fs', type: AttrType.FLOATS, floats: [1.5, Infinity, -0, NaN] }, 'fs: floats = [1.5, inf, -0, nan]'],
    ['strings', { name: 'ss', type: AttrType.STRINGS, strings: [new TextEncoder().encode('a'), new Uint8Array([0xff])] }, 'ss: strings = ["a", "\\xff"]'],
    ['tensor', { name: 'value', type: AttrType.TENSOR, t: tensor('', ElemType.INT64, [2], [1, -2]) }, 'value: tensor = int64[2] {1,-2}'],
    ['named scalar tensor', { name: 'value', type: AttrType.TENSOR, t: tensor('c', F, [], [0.5]) }, 'value: tensor = float c {0.5}'],
    ['tensors', { name: 'ts', type: AttrType.TENSORS, tensors: [stringTensor('', [2], ['a', 'b'])] }, 'ts: tensors = [string[2] {"a", "b"}]'],
    ['type_proto', { name: 'tp', type: AttrType.TYPE_PROTO, tp: tensorType(ElemType.FLOAT16, [2, 'N', null]) }, 'tp: type_proto = float16[2,N,?]'],
    ['type_protos', { name: 'tps', type: AttrType.TYPE_PROTOS, typeProtos: [sequenceType(tensorType(F))] }, 'tps: type_protos = [seq(float[])]'],
    ['reference', attrRef('alpha', 'a', AttrType.FLOAT), 'alpha: float = @a'],
  ])('writes a %s attribute', (_what, a, text) => {
    const m = oneNodeModel([a]);
    expect(nodeLine(m)).toBe(`y = Foo <${text}> (x)`);
    roundTrips(m);
  });

  it('writes float16 values as their bits and bool as 0/1, as onnx does', () => {
    const m = oneNodeModel([
      { name: 'h', type: AttrType.TENSOR, t: tensor('', ElemType.FLOAT16, [2], [1, -2]) },
      { name: 'b', type: AttrType.TENSOR, t: tensor('', ElemType.BOOL, [2], [true, false]) },
    ]);
    expect(nodeLine(m)).toBe('y = Foo <h: tensor = float16[2] {15360,49152}, b: tensor = bool[2] {1,0}> (x)');
    const back = roundTrips(m);
    expect(Array.from(tensorValues(back.graph!.node![0]!.attribute![0]!.t!) as Float32Array)).toEqual([1, -2]);
  });

  it('writes a sparse tensor attribute and reads it back', () => {
    const sp = { values: tensor('', F, [2], [1, 2]), indices: tensor('', ElemType.INT64, [2], [0, 5]), dims: [2, 3] };
    const m = oneNodeModel([{ ...attrSparseTensorOf(sp) }]);
    expect(nodeLine(m)).toBe('y = Foo <sp: sparse_tensor = sparse[2,3](float[2] {1,2}, int64[2] {0,5})> (x)');
    roundTrips(m);
  });

  it('writes subgraphs after the inputs, indented, and GRAPHS as a list', () => {
    const branch = (v: number, name: string) =>
      graph({ name, nodes: [node('Constant', [], [`${name}_out`], { value: tensor('', F, [1], [v]) })], outputs: [valueInfo(`${name}_out`, F, [1])] });
    const m = model(
      graph({
        nodes: [
          node('If', ['c'], ['y'], { then_branch: attrGraph(branch(1, 'then')), else_branch: attrGraph(branch(2, 'else')) }),
          node('Foo', ['y'], ['z'], { gs: attrGraphs([branch(3, 'a'), branch(4, 'b')]) }, { domain: 'custom' }),
        ],
        inputs: [valueInfo('c', ElemType.BOOL, [])],
        outputs: [valueInfo('z', F, [1])],
      }),
      { opset: [{ domain: '', version: 17 }, { domain: 'custom', version: 1 }] },
    );
    const text = printModel(m).text;
    expect(text).toContain('   y = If (c) <then_branch: graph = then () => (float[1] then_out) {\n      then_out = Constant <value: tensor = float[1] {1}> ()\n   }, else_branch: graph = else ');
    expect(text).toContain('z = custom.Foo (y) <gs: graphs = [a () => (float[1] a_out) {');
    roundTrips(m);
  });

  it('quotes names that are not identifiers, and names that read as types', () => {
    const m = model(graph({ name: 'main graph', nodes: [node('Relu', ['/in/x.0'], ['float'], undefined, { name: 'a/b' })], inputs: [valueInfo('/in/x.0', F, [1])], outputs: [valueInfo('float', F, [1])] }));
    expect(printModel(m).text).toContain('"main graph" (float[1] "/in/x.0") => (float[1] "float") {\n   ["a/b"] "float" = Relu ("/in/x.0")');
    roundTrips(m);
  });

  it('quotes operator and domain parts that are not identifiers, so that they read back', () => {
    const m = model(graph({ nodes: [node('My-Op', ['x'], ['y'], undefined, { domain: 'org.my-domain' })], inputs: [valueInfo('x', F, [1])], outputs: [valueInfo('y', F, [1])] }), {
      opset: [{ domain: '', version: 17 }, { domain: 'org.my-domain', version: 1 }],
    });
    expect(printModel(m).text).toContain('y = org."my-domain"."My-Op" (x)');
    roundTrips(m);
  });

  it('writes value types: scalar, unknown rank, unknown dims, sequence, map, optional, sparse, untyped', () => {
    const m = model(
      graph({
        nodes: [node('Identity', ['a'], ['b'])],
        inputs: [
          valueInfo('a', F, []),
          valueInfo('r', F, null),
          valueInfo('u', F, [null, 'n']),
          { name: 's', type: { sequenceType: { elemType: tensorType(F, [2]) } } },
          { name: 'm', type: { mapType: { keyType: ElemType.INT64, valueType: tensorType(F) } } },
          { name: 'o', type: { optionalType: { elemType: tensorType(F, [1]) } } },
          { name: 'sp', type: { sparseTensorType: { elemType: F, shape: { dim: [{ dimValue: 2 }] } } } },
          'plain',
        ],
        outputs: [valueInfo('b', F, [])],
        valueInfo: [valueInfo('b', F, [])],
      }),
    );
    expect(printModel(m).text).toContain(
      '(float a, float[] r, float[?,n] u, seq(float[2]) s, map(int64, float[]) m, optional(float[1]) o, sparse_tensor(float[2]) sp, plain) => (float b)',
    );
    roundTrips(m);
  });

  it('writes model-local functions with attributes, defaults, references and value_info', () => {
    const fn = {
      name: 'Scaled',
      domain: 'local',
      input: ['x'],
      output: ['y'],
      attribute: ['alpha'],
      attributeProto: [{ name: 'beta', type: AttrType.FLOAT, f: 2.5 }],
      opsetImport: [{ domain: '', version: 17 }],
      node: [node('LeakyRelu', ['x'], ['t'], [attrRef('alpha', 'alpha', AttrType.FLOAT)]), node('Mul', ['t', 't'], ['y'])],
      valueInfo: [valueInfo('t', F, [2])],
    };
    const m = model(graph({ nodes: [node('Scaled', ['x'], ['y'], { alpha: attrFloat(0.5) }, { domain: 'local' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }), {
      opset: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
      functions: [fn],
    });
    const text = printModel(m).text;
    expect(text).toContain('<\n  domain: "local",\n  opset_import: ["" : 17]\n>\nScaled <alpha, beta: float = 2.5> (x) => (y)\n<float[2] t>\n{\n   t = LeakyRelu <alpha: float = @alpha> (x)');
    roundTrips(m);
  });

  it('prints small initializers with their values and large ones as a reference', () => {
    const big = new Float32Array(101).map((_, i) => i / 7);
    const m = model(
      graph({
        nodes: [node('Add', ['w', 'big'], ['y'])],
        outputs: [valueInfo('y', F, [101])],
        initializers: [tensor('w', F, [2], [0.25, 1e-7]), tensor('big', F, [101], big)],
      }),
    );
    const text = printModel(m).text;
    expect(text).toContain('<\n   float[2] w = {0.25,1e-7},\n   float[101] big = ref("');
    expect(text).not.toContain('0.14285715');
    // The threshold is an option.
    expect(printModel(m, { maxInlineElements: 1000 }).text).toContain('0.14285715');
  });

  it('writes sparse initializers and reads them back', () => {
    const sp = { values: tensor('s', F, [2], [1, 2]), indices: tensor('', ElemType.INT64, [2], [0, 3]), dims: [4] };
    const m = model({ ...graph({ nodes: [node('Identity', ['s'], ['y'])], outputs: [valueInfo('y', F, [4])] }), sparseInitializer: [sp] });
    expect(printModel(m).text).toContain('   sparse[4](float[2] s {1,2}, int64[2] {0,3}) s\n');
    roundTrips(m);
  });

  it('gives the lines of each element when parsing as when printing', () => {
    const branch = graph({ name: 'b', nodes: [node('Neg', ['x'], ['o'])], outputs: [valueInfo('o', F, [1])] });
    const m = model(
      graph({
        nodes: [node('Relu', ['x'], ['r']), node('If', ['c'], ['y'], { then_branch: attrGraph(branch), else_branch: attrGraph(branch) })],
        inputs: [valueInfo('x', F, [1]), valueInfo('c', ElemType.BOOL, [])],
        outputs: [valueInfo('y', F, [1])],
        initializers: [tensor('w', F, [1], [1])],
        valueInfo: [valueInfo('r', F, [1])],
      }),
    );
    const printed = printModel(m);
    const parsed = parseModel(printed.text);
    const strip = (spans: readonly { kind: string; path: string; name: string; startLine: number; endLine: number }[]) =>
      spans.map(({ kind, path, name, startLine, endLine }) => ({ kind, path, name, startLine, endLine }));
    expect(parsed.ok && strip(parsed.spans)).toEqual(strip(printed.spans));
    expect(printed.spans.map((s) => s.path)).toEqual(['initializer/w', 'value_info/r', '0', '1/then_branch/0', '1/then_branch/', '1/else_branch/0', '1/else_branch/', '1', '']);
  });

  it('prints a node list (a selection) and reads it back', () => {
    const nodes = [node('Relu', ['x'], ['y'], undefined, { name: 'r' }), node('Add', ['y', ''], ['z'], { axis: 1 })];
    const printed = printNodeProtos(nodes);
    expect(printed.text).toBe('[r] y = Relu (x)\nz = Add <axis: int = 1> (y, "")\n');
    expect(printed.spans.map((s) => [s.path, s.startLine, s.endLine])).toEqual([
      ['0', 1, 1],
      ['1', 2, 2],
    ]);
    expect(ok(parseNodes(printed.text))).toEqual(nodes.map((n) => ({ ...n, attribute: n.attribute?.map((a) => ({ ...a })) })));
  });

  it('prints a graph alone', () => {
    const g = graph({ name: 'body', nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', F, [1])], outputs: [valueInfo('y', F, [1])] });
    expect(printGraph(g).text).toBe('body (float[1] x) => (float[1] y) {\n   y = Relu (x)\n}\n');
    expect(modelStructure(model(ok(parseGraph(printGraph(g).text))))).toEqual(modelStructure(model(g)));
  });
});

function attrSparseTensorOf(sp: Parameters<typeof attrSparseTensor>[0]): AttributeProto {
  return { name: 'sp', type: AttrType.SPARSE_TENSOR, sparseTensor: sp };
}

describe('parsing text written by hand', () => {
  const header = '<ir_version: 8, opset_import: ["" : 17]>\n';

  it('infers attribute types when they are not written, and skips comments', () => {
    const m = ok(
      parseModel(
        header +
          `g (float[2] x) => (float[2] y) {
            # a comment
            y = Foo <i = 3, f = 2.5, n = -inf, s = "a", is = [1, 2], fs = [1, 2.5], ss = ["a"], t = float[2] {1, 2}> (x) # another
          }`,
      ),
    );
    const attrs = m.graph!.node![0]!.attribute!;
    expect(attrs.map((a) => a.type)).toEqual([AttrType.INT, AttrType.FLOAT, AttrType.FLOAT, AttrType.STRING, AttrType.INTS, AttrType.FLOATS, AttrType.STRINGS, AttrType.TENSOR]);
    expect(attrs[1]!.f).toBe(2.5);
    expect(attrs[2]!.f).toBe(-Infinity);
    expect(attrs[5]!.floats).toEqual([1, 2.5]);
    expect(Array.from(tensorValues(attrs[7]!.t!) as Float32Array)).toEqual([1, 2]);
  });

  it('reads domains, overloads, omitted inputs, nodes without outputs and int64 beyond 2^53', () => {
    const m = ok(
      parseModel(
        header +
          `g (float[2] x) => (float[2] y) {
            y, "" = com.microsoft.Fused:v2 (x, "", x)
            = Print (y)
            k = Constant <value: tensor = int64[2] {9223372036854775807, -9223372036854775808}> ()
          }`,
      ),
    );
    const [a, b, c] = m.graph!.node!;
    expect([a!.domain, a!.opType, a!.overload, a!.input, a!.output]).toEqual(['com.microsoft', 'Fused', 'v2', ['x', '', 'x'], ['y', '']]);
    expect(b!.output).toBeUndefined();
    expect(Array.from(tensorValues(c!.attribute![0]!.t!) as BigInt64Array)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it('reads external data and keeps it as a reference to the file', () => {
    const m = ok(parseModel(header + 'g () => (float[4] w) <float[4] w = ["location": "w.bin", "offset": "0", "length": "16"]> {\n}'));
    const w = m.graph!.initializer![0]!;
    expect(w.dataLocation).toBe(1);
    expect(w.externalData).toEqual([
      { key: 'location', value: 'w.bin' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '16' },
    ]);
    roundTrips(m);
  });

  it('applies an edited small initializer', () => {
    const m = model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])], initializers: [tensor('w', F, [2], [1, 2])] }));
    const text = printModel(m).text.replace('float[2] w = {1,2}', 'float[2] w = {3.5, -4}');
    const back = ok(parseModel(text));
    expect(Array.from(tensorValues(back.graph!.initializer![0]!) as Float32Array)).toEqual([3.5, -4]);
  });
});

describe('tensor references', () => {
  const big = new Float32Array(500).map((_, i) => Math.sin(i));
  const original = model(graph({ nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [valueInfo('x', F, [500])], outputs: [valueInfo('y', F, [500])], initializers: [tensor('w', F, [500], big)] }));

  it('keep the original data, also under a new name', async () => {
    const { tensorsByDigest } = await import('../../shared/text/parser.js');
    const text = printModel(original).text.replaceAll(/\bw\b/g, 'weights');
    const back = ok(parseModel(text, { tensors: tensorsByDigest(original) }));
    const w = back.graph!.initializer![0]!;
    expect(w.name).toBe('weights');
    expect(w.rawData).toBe(original.graph!.initializer![0]!.rawData);
    expect(back.graph!.node![0]!.input).toEqual(['x', 'weights']);
  });

  it('are refused, at their place, when the original model does not hold them', () => {
    const text = printModel(original).text;
    const r = parseModel(text);
    const line = text.split('\n').findIndex((l) => l.includes('ref(')) + 1;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.line).toBe(line);
    expect(r.error.column).toBe(text.split('\n')[line - 1]!.indexOf('ref(') + 5);
    expect(r.error.message).toMatch(/^ref\("[0-9a-f]{16}"\) names no tensor of the original model/);
  });

  it('are refused when the text changes their type or shape', async () => {
    const { tensorsByDigest } = await import('../../shared/text/parser.js');
    const text = printModel(original).text.replace('float[500] w', 'float[2,250] w');
    const r = parseModel(text, { tensors: tensorsByDigest(original) });
    expect(r.ok ? '' : r.error.message).toMatch(/is float\[500\] in the original model, not float\[2,250\]$/);
  });
});

describe('errors', () => {
  it.each<[string, string, number, number, string]>([
    ['a missing arrow', 'g (float[2] x) (float[2] y) {\n}', 1, 16, "expected '=>' between the graph's inputs and outputs, found '('"],
    ['a misspelt type', 'g (flaot[2] x) => () {\n}', 1, 4, "unknown type 'flaot': expected an element type (float, int64, float16, ...) or seq(...), map(...), optional(...), sparse_tensor(...)"],
    ['an unclosed node list', 'g () => () {\n  y = Relu (x)\n', 3, 1, "expected '}' to close the list of nodes, found the end of the text"],
    ['a missing operator', 'g () => () {\n  y = (x)\n}', 2, 7, "expected an operator (Add, com.microsoft.Gelu, ...), found '('"],
    ['an unknown attribute type', 'g () => () {\n  y = Foo <a: integer = 1> (x)\n}', 2, 15, 'expected an attribute type (int, float, string, tensor, graph, ints, floats, strings, ...), found \'integer\''],
    ['a float for an int', 'g () => () {\n  y = Foo <a: int = 1.5> (x)\n}', 2, 21, "expected an integer, found '1.5'"],
    ['too few tensor values', 'g () => () {\n  y = Constant <value: tensor = float[3] {1, 2}> ()\n}', 2, 42, 'float[3] needs 3 values, found 2'],
    ['an unterminated string', 'g () => () {\n  y = Foo <s = "abc> (x)\n}', 2, 16, 'unterminated string: expected a closing " before the end of the line'],
    ['a stray character', 'g () => () {\n  y = Relu (x) ;\n}', 2, 16, "unexpected character ';'"],
    ['an unknown header key', '<ir_versoin: 8>\ng () => () {\n}', 1, 2, 'unknown header key \'ir_versoin\': expected one of ir_version, opset_import, producer_name, producer_version, domain, model_version, doc_string, metadata_props'],
    ['text after the model', 'g () => () {\n}\n}', 3, 1, "expected the end of the text, or '<' to start a function, found '}'"],
  ])('%s', (_what, text, line, column, message) => {
    const r = parseModel(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ line, column, message });
  });

  it('says what was expected apart from the message', () => {
    const r = parseModel('g () => () {\n  y = Foo <a: int = x> ()\n}');
    expect(r.ok ? undefined : r.error.expected).toBe('an integer');
  });

  it('gives a one-line WorkbenchError through parseModelOrThrow', async () => {
    const { parseModelOrThrow } = await import('../../shared/text/parser.js');
    expect(() => parseModelOrThrow('g () => (', 'model.txt')).toThrow(/^model\.txt:1:10: expected/);
  });
});
