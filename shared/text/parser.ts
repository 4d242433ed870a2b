import { WorkbenchError } from '../errors.js';
import { IrModel } from '../ir/model.js';
import { listModelTensors } from '../onnx/map-tensors.js';
import type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  SparseTensorProto,
  StringStringEntryProto,
  TensorProto,
  ValueInfoProto,
} from '../onnx/proto-types.js';
import { ELEM_TYPE_WORDS } from './type-text.js';
import { TextFailure, type TextError } from './parse-cursor.js';
import { ValueParser, type TensorLookup } from './parse-values.js';
import { DEFAULT_MAX_INLINE_ELEMENTS } from './printer.js';
import { tensorDigest } from './tensor-digest.js';
import { tensorElementCount } from './tensor-entries.js';
import type { TextSpan } from './text-map.js';

// Reads ONNX's textual syntax (what onnx.parser reads, and what printer.ts writes) into protos.
// Errors say where (line, column) and what was expected. `ref("<digest>")` tensors are taken
// from the original model's tensors (options.tensors, made by tensorsByDigest).

/** Parsing options. */
export interface ParseOptions {
  /** The original model's large tensors, by digest, for `ref("...")` (tensorsByDigest(original)). */
  tensors?: TensorLookup;
}

/** The result of a parse: the value and the lines of each node, or the first error. */
export type ParseResult<T> = { ok: true; value: T; spans: TextSpan[] } | { ok: false; error: TextError };

class Parser extends ValueParser {
  readonly spans: TextSpan[] = [];

  private valueInfo(): ValueInfoProto {
    if (this.atType()) {
      const type = this.type();
      return { name: this.name('a value name after its type'), type };
    }
    const at = this.peek();
    const name = this.name('a value (a type and a name: float[N] x)');
    const n = this.peek();
    if (at.kind === 'ident' && (this.isPunct('[') || n.kind === 'ident' || n.kind === 'string')) {
      this.failWith(at, `unknown type '${name}': expected an element type (float, int64, float16, ...) or seq(...), map(...), optional(...), sparse_tensor(...)`);
    }
    return { name };
  }

  private names(close: string, context: string): string[] {
    const out: string[] = [];
    this.list(close, context, () => out.push(this.name('a value name')));
    return out;
  }

  private keyValues(): StringStringEntryProto[] {
    const out: StringStringEntryProto[] = [];
    this.expect('[', 'to open the list of "key": "value" entries');
    this.list(']', 'in the metadata', () => {
      const key = this.string('a key (a string)');
      this.expect(':', 'after the key');
      out.push({ key, value: this.string('a value (a string)') });
    });
    return out;
  }

  private opsets(): OperatorSetIdProto[] {
    const out: OperatorSetIdProto[] = [];
    this.expect('[', 'to open the opset imports');
    this.list(']', 'in the opset imports', () => {
      const domain = this.string('a domain (a string: "" is the default ONNX domain)');
      this.expect(':', 'after the domain');
      out.push({ domain, version: this.integer('the opset version') });
    });
    return out;
  }

  /** `< key: value, ... >`, each key read by `entry`. */
  private header(keys: string, entry: (key: string) => void): void {
    this.expect('<', `to open the header (${keys})`);
    this.list('>', 'in the header', () => {
      const t = this.peek();
      const key = this.name(`a header key (${keys})`);
      this.expect(':', `after '${key}'`);
      if (!keys.split(', ').includes(key)) this.failWith(t, `unknown header key '${key}': expected one of ${keys}`);
      entry(key);
    });
  }

  model(): ModelProto {
    const m: ModelProto = {};
    if (this.isPunct('<')) {
      this.header('ir_version, opset_import, producer_name, producer_version, domain, model_version, doc_string, metadata_props', (key) => {
        if (key === 'ir_version') m.irVersion = this.integer('the IR version');
        else if (key === 'opset_import') m.opsetImport = this.opsets();
        else if (key === 'producer_name') m.producerName = this.string('a string');
        else if (key === 'producer_version') m.producerVersion = this.string('a string');
        else if (key === 'domain') m.domain = this.string('a string');
        else if (key === 'model_version') m.modelVersion = this.integer('the model version');
        else if (key === 'doc_string') m.docString = this.string('a string');
        else m.metadataProps = this.keyValues();
      });
    }
    m.graph = this.graph('');
    const functions: FunctionProto[] = [];
    while (this.peek().kind !== 'eof') {
      if (!this.isPunct('<')) this.fail(this.peek(), "the end of the text, or '<' to start a function");
      functions.push(this.function());
    }
    if (functions.length) m.functions = functions;
    return m;
  }

  function(): FunctionProto {
    const f: FunctionProto = {};
    const start = this.peek().line;
    this.header('domain, opset_import, overload, doc_string', (key) => {
      if (key === 'domain') f.domain = this.string('a string');
      else if (key === 'opset_import') f.opsetImport = this.opsets();
      else if (key === 'overload') f.overload = this.string('a string');
      else f.docString = this.string('a string');
    });
    f.name = this.name("the function's name");
    const prefix = `fn:${f.domain ? `${f.domain}.` : ''}${f.name}/`;
    if (this.eat('<')) {
      const attribute: string[] = [];
      const attributeProto: AttributeProto[] = [];
      this.list('>', "in the function's attributes", () => {
        if (this.isPunct(':', 1) || this.isPunct('=', 1)) attributeProto.push(this.attribute(prefix));
        else attribute.push(this.name('an attribute name'));
      });
      if (attribute.length) f.attribute = attribute;
      if (attributeProto.length) f.attributeProto = attributeProto;
    }
    this.expect('(', "to open the function's inputs");
    f.input = this.names(')', "in the function's inputs");
    this.expect('=>', "between the function's inputs and outputs");
    this.expect('(', "to open the function's outputs");
    f.output = this.names(')', "in the function's outputs");
    if (this.eat('<')) {
      const vi: ValueInfoProto[] = [];
      this.list('>', "in the function's value_info", () => vi.push(this.valueInfo()));
      if (vi.length) f.valueInfo = vi;
    }
    const node = this.nodeBlock(prefix);
    if (node.length) f.node = node;
    this.spans.push({ kind: 'function', path: prefix, name: f.name, startLine: start, endLine: this.previous().line });
    return f;
  }

  graph(prefix: string): GraphProto {
    const start = this.peek().line;
    const g: GraphProto = { name: this.name("the graph's name") };
    this.expect('(', "to open the graph's inputs");
    const input: ValueInfoProto[] = [];
    this.list(')', "in the graph's inputs", () => input.push(this.valueInfo()));
    this.expect('=>', "between the graph's inputs and outputs");
    this.expect('(', "to open the graph's outputs");
    const output: ValueInfoProto[] = [];
    this.list(')', "in the graph's outputs", () => output.push(this.valueInfo()));
    const initializer: TensorProto[] = [];
    const sparse: SparseTensorProto[] = [];
    const valueInfo: ValueInfoProto[] = [];
    if (this.eat('<')) {
      this.list('>', 'in the initializers and value_info', () => {
        const line = this.peek().line;
        let name: string;
        let kind: 'initializer' | 'value' = 'initializer';
        if (this.isWord('sparse') && (this.isPunct('[', 1) || this.isPunct('(', 1))) {
          const sp = this.sparseTensor();
          name = this.name("the sparse initializer's name");
          if (sp.values) sp.values.name = name;
          sparse.push(sp);
        } else if (this.isTensorInitializer()) {
          const t = this.tensor(true);
          name = t.name ?? '';
          initializer.push(t);
        } else {
          const vi = this.valueInfo();
          name = vi.name ?? '';
          kind = 'value';
          valueInfo.push(vi);
        }
        this.spans.push({ kind, path: `${prefix}${kind === 'value' ? 'value_info' : 'initializer'}/${name}`, name, startLine: line, endLine: this.previous().line });
      });
    }
    const node = this.nodeBlock(prefix);
    if (node.length) g.node = node;
    if (initializer.length) g.initializer = initializer;
    if (input.length) g.input = input;
    if (output.length) g.output = output;
    if (valueInfo.length) g.valueInfo = valueInfo;
    if (sparse.length) g.sparseInitializer = sparse;
    this.spans.push({ kind: 'graph', path: prefix, name: g.name ?? '', startLine: start, endLine: this.previous().line });
    return g;
  }

  // An initializer is a tensor type with a name and '='; a value_info has no '='.
  private isTensorInitializer(): boolean {
    if (!ELEM_TYPE_WORDS.has(this.peek().text) || this.peek().kind !== 'ident') return false;
    let k = 1;
    if (this.isPunct('[', k)) {
      while (this.peek(k).kind !== 'eof' && !this.isPunct(']', k)) k++;
      k++;
    }
    const n = this.peek(k);
    return (n.kind === 'ident' || n.kind === 'string') && this.isPunct('=', k + 1);
  }

  private nodeBlock(prefix: string): NodeProto[] {
    this.expect('{', 'to open the list of nodes');
    const nodes: NodeProto[] = [];
    while (!this.eat('}')) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), "'}' to close the list of nodes");
      nodes.push(this.node(`${prefix}${nodes.length}`));
    }
    return nodes;
  }

  /** Nodes up to the end of the text (a selection as printNodes writes it). */
  nodesToEnd(): NodeProto[] {
    const nodes: NodeProto[] = [];
    while (this.peek().kind !== 'eof') nodes.push(this.node(String(nodes.length)));
    return nodes;
  }

  node(path: string): NodeProto {
    const start = this.peek().line;
    const n: NodeProto = {};
    if (this.eat('[')) {
      n.name = this.name("the node's name");
      this.expect(']', "after the node's name");
    }
    const output: string[] = [];
    if (!this.isPunct('=')) {
      for (;;) {
        output.push(this.name('an output name, or \'=\' (a node is "outputs = Op (inputs)")'));
        if (!this.eat(',')) break;
      }
    }
    this.expect('=', "between the node's outputs and its operator");
    const parts = [this.name('an operator (Add, com.microsoft.Gelu, ...)')];
    while (this.eat('.')) parts.push(this.name('the rest of the operator name'));
    n.opType = parts.pop()!;
    if (parts.length) n.domain = parts.join('.');
    if (this.eat(':')) n.overload = this.name('the overload name');
    const attribute: AttributeProto[] = [];
    const attrs = () => {
      if (this.eat('<')) this.list('>', "in the node's attributes", () => attribute.push(this.attribute(path)));
    };
    attrs();
    this.expect('(', `to open the inputs of ${n.opType}`);
    const input = this.names(')', `in the inputs of ${n.opType}`);
    if (attribute.length === 0) attrs();
    if (input.length) n.input = input;
    if (output.length) n.output = output;
    if (attribute.length) n.attribute = attribute;
    this.spans.push({ kind: 'node', path, name: n.name ?? '', startLine: start, endLine: this.previous().line });
    return n;
  }

  end(): void {
    if (this.peek().kind !== 'eof') this.fail(this.peek(), 'the end of the text');
  }
}

function run<T>(source: string, options: ParseOptions, read: (p: Parser) => T): ParseResult<T> {
  let p: Parser | undefined;
  try {
    p = new Parser(source, options.tensors);
    const value = read(p);
    p.end();
    return { ok: true, value, spans: p.spans };
  } catch (e) {
    if (e instanceof TextFailure) return { ok: false, error: e.error };
    // Types or graphs nested thousands deep overflow the stack: an error of the text, not a crash.
    if (e instanceof RangeError && p) {
      const at = p.peek();
      return { ok: false, error: { line: at.line, column: at.column, message: 'nesting too deep (types or graphs inside one another)' } };
    }
    throw e;
  }
}

/** A model: header, main graph, functions. */
export function parseModel(source: string, options: ParseOptions = {}): ParseResult<ModelProto> {
  return run(source, options, (p) => p.model());
}

/** One graph (`name (inputs) => (outputs) <...> { nodes }`), as printGraph writes it. */
export function parseGraph(source: string, options: ParseOptions = {}): ParseResult<GraphProto> {
  return run(source, options, (p) => p.graph(''));
}

/** A function with its header, as printFunction writes it. */
export function parseFunction(source: string, options: ParseOptions = {}): ParseResult<FunctionProto> {
  return run(source, options, (p) => p.function());
}

/** Nodes one after another (a selection, as printNodes writes it). */
export function parseNodes(source: string, options: ParseOptions = {}): ParseResult<NodeProto[]> {
  return run(source, options, (p) => p.nodesToEnd());
}

/** A model's text as a ModelProto, or a WorkbenchError 'TEXT_SYNTAX' naming `what`, line and column. */
export function parseModelOrThrow(source: string, what: string, options: ParseOptions = {}): ModelProto {
  const r = parseModel(source, options);
  if (!r.ok) throw new WorkbenchError('TEXT_SYNTAX', `${what}:${r.error.line}:${r.error.column}: ${r.error.message}`);
  return r.value;
}

/**
 * The tensors a printed model may reference (those over `maxInlineElements`), by digest: what
 * parsing needs to give `ref("...")` its original data back.
 */
export function tensorsByDigest(model: ModelProto | IrModel, maxInlineElements = DEFAULT_MAX_INLINE_ELEMENTS): Map<string, TensorProto> {
  const proto = model instanceof IrModel ? model.toProto() : model;
  const out = new Map<string, TensorProto>();
  for (const { tensor } of listModelTensors(proto)) {
    if (tensor.dataLocation !== 1 && tensorElementCount(tensor) > maxInlineElements) out.set(tensorDigest(tensor), tensor);
  }
  return out;
}
