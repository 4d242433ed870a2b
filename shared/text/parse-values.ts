import { ElemType, elemTypeFromName, elemTypeName, type ElemTypeCode } from '../onnx/element-types.js';
import {
  AttrType,
  type AttributeProto,
  type DimensionProto,
  type GraphProto,
  type Int64,
  type SparseTensorProto,
  type TensorProto,
  type TensorShapeProto,
  type TypeProto,
} from '../onnx/proto-types.js';
import { typedEntryCount } from '../onnx/tensor-values.js';
import { encodeUtf8Lossless } from '../proto/utf8-escape.js';
import { attrTypeFromName, attrTypeName } from '../onnx/attribute-kinds.js';
import type { Token } from './lexer.js';
import { parseFloatLiteral, TYPE_WORDS } from './literals.js';
import { Cursor } from './parse-cursor.js';
import { entriesAreFloats, setTensorEntries, tensorElementCount } from './tensor-entries.js';
import { ELEM_TYPE_WORDS } from './type-text.js';

// Types, tensors and attribute values of the text. Graph-valued attributes call back into the
// structural parser (parser.ts) through `graph()`.

/** Original tensors that `ref("<digest>")` names, by digest (see tensorsByDigest). */
export type TensorLookup = ReadonlyMap<string, TensorProto>;

const NUMBER_WORDS = new Set(['inf', 'nan', 'infinity']);
const MAX_DIM = 2 ** 53;

// Entries of the int32_data-held types; 16- and 8-bit floats are their bit patterns, 4- and
// 2-bit types packed bytes.
const INT_RANGE: Readonly<Record<number, readonly [number, number]>> = {
  [ElemType.BOOL]: [0, 1],
  [ElemType.INT8]: [-128, 127],
  [ElemType.UINT8]: [0, 255],
  [ElemType.INT16]: [-32768, 32767],
  [ElemType.UINT16]: [0, 65535],
  [ElemType.INT32]: [-(2 ** 31), 2 ** 31 - 1],
  [ElemType.UINT32]: [0, 2 ** 32 - 1],
  [ElemType.FLOAT16]: [0, 65535],
  [ElemType.BFLOAT16]: [0, 65535],
  [ElemType.FLOAT8E4M3FN]: [0, 255],
  [ElemType.FLOAT8E4M3FNUZ]: [0, 255],
  [ElemType.FLOAT8E5M2]: [0, 255],
  [ElemType.FLOAT8E5M2FNUZ]: [0, 255],
  [ElemType.FLOAT8E8M0]: [0, 255],
  [ElemType.UINT4]: [0, 255],
  [ElemType.INT4]: [-128, 255],
  [ElemType.FLOAT4E2M1]: [0, 255],
  [ElemType.UINT2]: [0, 255],
  [ElemType.INT2]: [-128, 255],
};

export abstract class ValueParser extends Cursor {
  constructor(
    source: string,
    private readonly lookup: TensorLookup | undefined,
  ) {
    super(source);
  }

  abstract graph(prefix: string): GraphProto;

  /** Whether a type starts here: `float ...`, `float[...]`, `seq(`, `map(`, `optional(`, `sparse_tensor(`. */
  atType(): boolean {
    const t = this.peek();
    if (t.kind !== 'ident') return false;
    if (TYPE_WORDS.has(t.text)) return this.isPunct('(', 1);
    if (!ELEM_TYPE_WORDS.has(t.text)) return false;
    const n = this.peek(1);
    return n.kind === 'ident' || n.kind === 'string' || (n.kind === 'punct' && n.text === '[');
  }

  elemType(): ElemTypeCode {
    const t = this.peek();
    const code = t.kind === 'ident' ? elemTypeFromName(t.text) : undefined;
    if (code === undefined || !ELEM_TYPE_WORDS.has(t.text)) this.fail(t, 'an element type (float, int64, ...)');
    this.next();
    return code;
  }

  private shape(): TensorShapeProto | undefined {
    if (!this.eat('[')) return {};
    if (this.eat(']')) return undefined;
    const dim: DimensionProto[] = [];
    this.list(']', 'in the shape', () => {
      const t = this.peek();
      if (t.kind === 'int') dim.push({ dimValue: this.integer('a dimension') });
      else if (t.kind === 'ident' || t.kind === 'string') dim.push({ dimParam: this.name('a dimension') });
      else if (this.eat('?')) dim.push({});
      else this.fail(t, "a dimension (a number, a name or '?')");
    });
    return { dim };
  }

  /** A value type. */
  type(): TypeProto {
    const t = this.peek();
    if (t.kind === 'ident' && TYPE_WORDS.has(t.text)) {
      this.next();
      this.expect('(', `after '${t.text}'`);
      let type: TypeProto;
      if (t.text === 'seq') type = { sequenceType: { elemType: this.type() } };
      else if (t.text === 'optional') type = { optionalType: { elemType: this.type() } };
      else if (t.text === 'map') {
        const keyType = this.elemType();
        this.expect(',', 'after the key type of a map');
        type = { mapType: { keyType, valueType: this.type() } };
      } else {
        const elemType = this.elemType();
        const shape = this.shape();
        type = { sparseTensorType: shape ? { elemType, shape } : { elemType } };
      }
      this.expect(')', `to close '${t.text}('`);
      return type;
    }
    if (t.kind !== 'ident' || !ELEM_TYPE_WORDS.has(t.text)) this.fail(t, 'a type (float[N,3], int64, seq(...), ...)');
    const elemType = this.elemType();
    const shape = this.shape();
    return { tensorType: shape ? { elemType, shape } : { elemType } };
  }

  private fixedDims(): Int64[] {
    const dims: Int64[] = [];
    if (this.eat('[')) {
      this.list(']', "in a tensor's dims", () => {
        const at = this.peek();
        const d = this.integer('a dimension (tensor dims are numbers)');
        if (d < 0 || d > MAX_DIM) this.failWith(at, `a tensor dimension must be between 0 and 2^53, found ${d}`);
        dims.push(d);
      });
    }
    return dims;
  }

  private number(float: boolean, type: ElemTypeCode): Int64 {
    const t = this.peek();
    if (float && (t.kind === 'float' || t.kind === 'int' || (t.kind === 'ident' && NUMBER_WORDS.has(t.text.toLowerCase())))) {
      this.next();
      return parseFloatLiteral(t.text);
    }
    if (!float && t.kind === 'int') {
      const v = this.integer('an integer');
      const range = INT_RANGE[type];
      if (range && (v < range[0] || v > range[1])) this.failWith(t, `${t.text} is out of range for ${elemTypeName(type)} (${range[0]} to ${range[1]})`);
      return v;
    }
    return this.fail(t, float ? 'a number' : `an integer (${elemTypeName(type)} values${type === ElemType.FLOAT16 || type === ElemType.BFLOAT16 ? ' are written as their bits, as onnx does' : ''})`);
  }

  /** Tensor data after the type and name: `{...}`, `ref("digest")` or external data `[...]`. */
  private tensorData(t: TensorProto): TensorProto {
    if (this.isWord('ref') && this.isPunct('(', 1)) {
      this.next();
      this.next();
      const at = this.peek();
      const digest = this.string('the digest of a tensor, as a string');
      this.expect(')', 'after the digest');
      return this.resolve(t, digest, at);
    }
    if (this.eat('[')) {
      const externalData: { key: string; value: string }[] = [];
      this.list(']', 'in external data', () => {
        const key = this.string('an external data key ("location", "offset", ...)');
        this.expect(':', 'after the key');
        externalData.push({ key, value: this.string('an external data value (a string)') });
      });
      return { ...t, externalData, dataLocation: 1 };
    }
    const open = this.expect('{', "(a tensor's values), '[' (external data) or ref(\"digest\")");
    const type = t.dataType ?? 0;
    const entries: Int64[] | Uint8Array[] = [];
    const strings = type === ElemType.STRING;
    const float = entriesAreFloats(type);
    this.list('}', "in a tensor's values", () => {
      if (strings) (entries as Uint8Array[]).push(encodeUtf8Lossless(this.string('a string')));
      else (entries as Int64[]).push(this.number(float, type));
    });
    const want = typedEntryCount(type, tensorElementCount(t));
    if (entries.length !== want) {
      this.failWith(open, `${elemTypeName(type)}[${(t.dims ?? []).join(',')}] needs ${want} values, found ${entries.length}`);
    }
    setTensorEntries(t, entries);
    return t;
  }

  private resolve(t: TensorProto, digest: string, at: Token): TensorProto {
    const original = this.lookup?.get(digest);
    if (!original) {
      this.failWith(at, `ref("${digest}") names no tensor of the original model (a reference keeps the original's data: give the values in {...} instead)`);
    }
    const same = original.dataType === t.dataType && (original.dims ?? []).map(String).join(',') === (t.dims ?? []).map(String).join(',');
    if (!same) {
      this.failWith(
        at,
        `ref("${digest}") is ${elemTypeName(original.dataType ?? 0)}[${(original.dims ?? []).join(',')}] in the original model, not ${elemTypeName(t.dataType ?? 0)}[${(t.dims ?? []).join(',')}]`,
      );
    }
    const out: TensorProto = { ...original };
    if (t.name === undefined) delete out.name;
    else out.name = t.name;
    return out;
  }

  /** A tensor: `float[2,3] name? {...}` (initializer: `= {...}` after a required name). */
  tensor(initializer: boolean): TensorProto {
    const dataType = this.elemType();
    const dims = this.fixedDims();
    const t: TensorProto = dims.length ? { dims, dataType } : { dataType };
    const n = this.peek();
    if ((n.kind === 'ident' && !(n.text === 'ref' && this.isPunct('(', 1))) || n.kind === 'string') t.name = this.name('a name');
    else if (initializer) this.fail(n, "the initializer's name");
    if (initializer) this.expect('=', "before the initializer's values");
    return this.tensorData(t);
  }

  /** `sparse[dims](values, indices)`. */
  sparseTensor(): SparseTensorProto {
    const t = this.peek();
    if (!this.isWord('sparse')) this.fail(t, 'a sparse tensor: sparse[dims](values, indices)');
    this.next();
    const dims = this.fixedDims();
    this.expect('(', 'before the values of a sparse tensor');
    const values = this.tensor(false);
    this.expect(',', 'between the values and the indices of a sparse tensor');
    const indices = this.tensor(false);
    this.expect(')', 'after the indices of a sparse tensor');
    return dims.length ? { values, indices, dims } : { values, indices };
  }

  private inferKind(): number {
    const t = this.peek();
    if (t.kind === 'int') return AttrType.INT;
    if (t.kind === 'float' || (t.kind === 'ident' && NUMBER_WORDS.has(t.text.toLowerCase()))) return AttrType.FLOAT;
    if (t.kind === 'string') return this.isPunct('(', 1) ? AttrType.GRAPH : AttrType.STRING;
    if (t.kind === 'ident' && ELEM_TYPE_WORDS.has(t.text)) return AttrType.TENSOR;
    if (t.kind === 'ident' && this.isPunct('(', 1)) return this.isWord('sparse') ? AttrType.SPARSE_TENSOR : TYPE_WORDS.has(t.text) ? AttrType.TYPE_PROTO : AttrType.GRAPH;
    if (t.kind === 'punct' && t.text === '[') {
      const n = this.peek(1);
      if (n.kind === 'string') return AttrType.STRINGS;
      if (n.kind === 'float') return AttrType.FLOATS;
      if (n.kind === 'int') {
        // [1, 2.5] is a float list: look for a float before the ']'.
        for (let k = 1; ; k++) {
          const x = this.peek(k);
          if (x.kind === 'float') return AttrType.FLOATS;
          if (x.kind === 'eof' || (x.kind === 'punct' && x.text === ']')) return AttrType.INTS;
        }
      }
      if (n.kind === 'ident' && ELEM_TYPE_WORDS.has(n.text)) return AttrType.TENSORS;
      if (n.kind === 'ident' && this.isPunct('(', 2)) return AttrType.GRAPHS;
    }
    return this.fail(t, "an attribute value whose type can be told (or write the type: 'name: ints = []')");
  }

  private listOf<T>(what: string, item: () => T): T[] {
    this.expect('[', `to open a list of ${what}`);
    const out: T[] = [];
    this.list(']', `in a list of ${what}`, () => out.push(item()));
    return out;
  }

  /** An attribute's value of type `kind` (inferred from the value when undefined) into `a`. */
  attributeValue(a: AttributeProto, kind: number | undefined, prefix: string): void {
    const type = kind ?? this.inferKind();
    a.type = type;
    const floatValue = () => Number(this.number(true, ElemType.FLOAT));
    switch (type) {
      case AttrType.FLOAT:
        a.f = Math.fround(floatValue());
        return;
      case AttrType.INT:
        a.i = this.integer('an integer');
        return;
      case AttrType.STRING:
        a.s = encodeUtf8Lossless(this.string('a string'));
        return;
      case AttrType.TENSOR:
        a.t = this.tensor(false);
        return;
      case AttrType.GRAPH:
        a.g = this.graph(`${prefix}/${a.name ?? ''}/`);
        return;
      case AttrType.SPARSE_TENSOR:
        a.sparseTensor = this.sparseTensor();
        return;
      case AttrType.TYPE_PROTO:
        a.tp = this.type();
        return;
      case AttrType.FLOATS:
        a.floats = this.listOf('floats', () => Math.fround(floatValue()));
        return;
      case AttrType.INTS:
        a.ints = this.listOf('ints', () => this.integer('an integer'));
        return;
      case AttrType.STRINGS:
        a.strings = this.listOf('strings', () => encodeUtf8Lossless(this.string('a string')));
        return;
      case AttrType.TENSORS:
        a.tensors = this.listOf('tensors', () => this.tensor(false));
        return;
      case AttrType.GRAPHS: {
        let i = 0;
        a.graphs = this.listOf('graphs', () => this.graph(`${prefix}/${a.name ?? ''}.${i++}/`));
        return;
      }
      case AttrType.SPARSE_TENSORS:
        a.sparseTensors = this.listOf('sparse tensors', () => this.sparseTensor());
        return;
      case AttrType.TYPE_PROTOS:
        a.typeProtos = this.listOf('types', () => this.type());
        return;
    }
  }

  /** `name: type = value`, `name = value` (type told by the value) or `name: type = @ref`. */
  attribute(prefix: string): AttributeProto {
    const a: AttributeProto = { name: this.name('an attribute name') };
    let kind: number | undefined;
    if (this.eat(':')) {
      const t = this.peek();
      kind = t.kind === 'ident' ? attrTypeFromName(t.text) : undefined;
      if (kind === undefined) this.fail(t, `an attribute type (${['int', 'float', 'string', 'tensor', 'graph', 'ints', 'floats', 'strings', '...'].join(', ')})`);
      this.next();
    }
    this.expect('=', `after attribute '${a.name}'`);
    if (this.eat('@')) {
      a.refAttrName = this.name("the name of the function's attribute");
      if (kind === undefined) this.failWith(this.previous(), `a reference to attribute '${a.refAttrName}' needs its type: '${a.name}: ${attrTypeName(AttrType.FLOAT)} = @${a.refAttrName}'`);
      a.type = kind;
      return a;
    }
    this.attributeValue(a, kind, prefix);
    return a;
  }
}
