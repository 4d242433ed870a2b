import { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import { allGraphs, IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { elemTypeName } from '../onnx/element-types.js';
import {
  AttrType,
  type AttributeProto,
  type FunctionProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetIdProto,
  type SparseTensorProto,
  type StringStringEntryProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from '../onnx/proto-types.js';
import { attrKind, attrTypeName } from '../onnx/attribute-kinds.js';
import { irGraph, irNode, protoGraph, protoNode, type GraphSource, type NodeSource } from './graph-source.js';
import { float32Text, float64Text, isIdentifier, nameText, quote, quoteBytes } from './literals.js';
import { tensorDigest } from './tensor-digest.js';
import { entriesAreFloats, tensorElementCount, tensorEntries } from './tensor-entries.js';
import { PrintedText, type TextSpan } from './text-map.js';
import { ELEM_TYPE_WORDS, typeText } from './type-text.js';

// Writes models, graphs, functions and node selections in ONNX's textual syntax (the format of
// onnx.printer), with the lines each node takes. Differences from onnx.printer, all on purpose:
// tensors over `maxInlineElements` print as `ref("<digest>")` (see tensor-digest.ts), which the
// parser resolves against the original model's tensors; initializers and value_info print one
// per line; strings escape control characters and non-UTF-8 bytes; complex values print (onnx
// writes `...`); function attribute defaults and value_info print; names that read as types are
// quoted. Doc strings other than the model's are not printed.

/** Printing options. */
export interface PrintOptions {
  /** Tensors with more elements than this print as a reference instead of their values (default 100). */
  maxInlineElements?: number;
}

/** Tensors up to this many elements print their values (editable); larger ones print a reference. */
export const DEFAULT_MAX_INLINE_ELEMENTS = 100;

const INDENT = 3;

/** Characters of rope a Writer grows before it flattens it into a part. */
const CHUNK = 1 << 14;

class Writer {
  // A string grown by += (V8 keeps it as a rope, with less garbage than many parts + join), made
  // flat every CHUNK characters: a rope of the whole text is hundreds of thousands of small
  // objects that every young-generation GC during the print copies again; a few flat parts are not.
  private out = '';
  private readonly parts: string[] = [];
  readonly spans: TextSpan[] = [];
  line = 1;
  /** Characters written on the current line (no write holds a newline: strings are escaped). */
  col = 0;

  constructor(readonly maxInline: number) {}

  w(s: string): void {
    this.out += s;
    this.col += s.length;
  }

  nl(): void {
    this.out += '\n';
    this.line++;
    this.col = 0;
    if (this.out.length > CHUNK) {
      // Reading a character flattens the rope in place.
      this.out.charCodeAt(0);
      this.parts.push(this.out);
      this.out = '';
    }
  }

  pad(n: number): void {
    if (n > 0) {
      this.out += ' '.repeat(n);
      this.col += n;
    }
  }

  text(): string {
    if (this.out !== '' || this.parts.length !== 1) {
      this.parts.push(this.out);
      this.out = '';
      const all = this.parts.join('');
      this.parts.length = 0;
      this.parts.push(all);
    }
    return this.parts[0]!;
  }

  /** Names separated by ', ' (no array in between: this runs for every node). */
  names(list: readonly string[] | undefined): void {
    if (!list) return;
    for (let i = 0; i < list.length; i++) this.w(i ? `, ${name(list[i])}` : name(list[i]));
  }
}

/** A name as written: bare or quoted (see nameText). No cache: a Map of every value name costs more than it saves. */
function name(s: string | undefined): string {
  return nameText(s ?? '', ELEM_TYPE_WORDS);
}

function typeOrNothing(t: TypeProto | undefined): string | undefined {
  return t ? typeText(t) : undefined;
}

function valueInfoText(v: ValueInfoProto): string {
  const t = typeOrNothing(v.type);
  return t === undefined ? name(v.name) : `${t} ${name(v.name)}`;
}

function dimsOf(t: { dims?: readonly (number | bigint)[] }): string {
  const d = t.dims ?? [];
  return d.length ? `[${d.join(',')}]` : '';
}

// Tensors are not changed in place (an edit puts a new TensorProto), so their text is kept: the
// editor prints again after every edit, and small weights are most of a print's work.
const valuesText = new WeakMap<TensorProto, string>();

function entriesText(t: TensorProto): string {
  let text = valuesText.get(t);
  if (text === undefined) valuesText.set(t, (text = formatEntries(t)));
  return text;
}

function formatEntries(t: TensorProto): string {
  const entries = tensorEntries(t);
  const type = t.dataType ?? 0;
  if (type === 8) return (entries as Uint8Array[]).map(quoteBytes).join(', ');
  if (!entriesAreFloats(type)) return entries.join(',');
  const fmt = type === 11 || type === 15 ? float64Text : float32Text;
  let s = '';
  for (let i = 0; i < entries.length; i++) s += (i ? ',' : '') + fmt(Number(entries[i]));
  return s;
}

function keyValues(list: readonly StringStringEntryProto[]): string {
  return `[${list.map((e) => `${quote(e.key ?? '')}: ${quote(e.value ?? '')}`).join(', ')}]`;
}

/** A tensor: `float[2,3] name {1,2,...}` (initializers: `... name = {...}`), a reference, or external data. */
function tensorText(t: TensorProto, w: Writer, initializer: boolean): string {
  let s = elemTypeName(t.dataType ?? 0) + dimsOf(t);
  if (initializer || (t.name !== undefined && t.name !== '')) s += ` ${name(t.name)}`;
  s += initializer ? ' = ' : ' ';
  if (t.dataLocation === 1) return s + keyValues(t.externalData ?? []);
  if (tensorElementCount(t) > w.maxInline) return s + `ref(${quote(tensorDigest(t))})`;
  return s + `{${entriesText(t)}}`;
}

function sparseText(sp: SparseTensorProto, w: Writer): string {
  const v = sp.values ? tensorText(sp.values, w, false) : 'float[0] {}';
  const i = sp.indices ? tensorText(sp.indices, w, false) : 'int64[0] {}';
  return `sparse${dimsOf(sp)}(${v}, ${i})`;
}

function opsets(list: readonly OperatorSetIdProto[] | undefined): string {
  return `[${(list ?? []).map((o) => `${quote(o.domain ?? '')} : ${String(o.version ?? 0)}`).join(', ')}]`;
}

function header(w: Writer, entries: string[], indent: number): void {
  w.w('<');
  w.nl();
  entries.forEach((e, i) => {
    w.pad(indent);
    w.w(e + (i < entries.length - 1 ? ',' : ''));
    w.nl();
  });
  w.w('>');
  w.nl();
}

function attrValue(a: AttributeProto, kind: number, node: NodeSource, w: Writer, indent: number, path: string): void {
  switch (kind) {
    case AttrType.FLOAT:
      return w.w(float32Text(a.f ?? 0));
    case AttrType.INT:
      return w.w(String(a.i ?? 0));
    case AttrType.STRING:
      return w.w(quoteBytes(a.s ?? new Uint8Array()));
    case AttrType.TENSOR:
      return w.w(a.t ? tensorText(a.t, w, false) : 'float {}');
    case AttrType.SPARSE_TENSOR:
      return w.w(a.sparseTensor ? sparseText(a.sparseTensor, w) : 'sparse(float[0] {}, int64[0] {})');
    case AttrType.TYPE_PROTO:
      return w.w(typeOrNothing(a.tp) ?? 'float[]');
    case AttrType.FLOATS:
      return w.w(`[${(a.floats ?? []).map(float32Text).join(', ')}]`);
    case AttrType.INTS:
      return w.w(`[${(a.ints ?? []).join(', ')}]`);
    case AttrType.STRINGS:
      return w.w(`[${(a.strings ?? []).map(quoteBytes).join(', ')}]`);
    case AttrType.TENSORS:
      return w.w(`[${(a.tensors ?? []).map((t) => tensorText(t, w, false)).join(', ')}]`);
    case AttrType.SPARSE_TENSORS:
      return w.w(`[${(a.sparseTensors ?? []).map((t) => sparseText(t, w)).join(', ')}]`);
    case AttrType.TYPE_PROTOS:
      return w.w(`[${(a.typeProtos ?? []).map((t) => typeOrNothing(t) ?? 'float[]').join(', ')}]`);
    case AttrType.GRAPH: {
      const g = node.graphOf(a, undefined);
      return graphBody(g ?? protoGraph({}), w, indent + INDENT, `${path}/${a.name ?? ''}/`);
    }
    case AttrType.GRAPHS: {
      w.w('[');
      (a.graphs ?? []).forEach((proto, i) => {
        if (i) w.w(', ');
        graphBody(node.graphOf(a, i) ?? protoGraph(proto), w, indent + INDENT, `${path}/${a.name ?? ''}.${i}/`);
      });
      return w.w(']');
    }
  }
}

function attributes(node: NodeSource, w: Writer, indent: number, path: string): void {
  const list = node.proto.attribute ?? [];
  w.w(' <');
  list.forEach((a, i) => {
    if (i) w.w(', ');
    const kind = attrKind(a);
    w.w(`${name(a.name)}: ${attrTypeName(kind) ?? 'undefined'} = `);
    if (a.refAttrName !== undefined && a.refAttrName !== '') w.w(`@${name(a.refAttrName)}`);
    else attrValue(a, kind, node, w, indent, path);
  });
  w.w('>');
}

const part = (s: string) => (isIdentifier(s) ? s : quote(s));

function opText(p: NodeProto): string {
  // Parts that are not identifiers are quoted (onnx.printer writes them bare, and cannot read them back).
  let s = p.domain ? `${p.domain.split('.').map(part).join('.')}.${part(p.opType ?? '')}` : part(p.opType ?? '');
  if (p.overload) s += `:${name(p.overload)}`;
  return s;
}

function printNode(node: NodeSource, w: Writer, indent: number, path: string): void {
  const p = node.proto;
  const start = w.line;
  w.pad(indent);
  if (p.name) w.w(`[${name(p.name)}] `);
  w.names(p.output);
  w.w(' = ');
  w.w(opText(p));
  const attrs = p.attribute ?? [];
  const hasGraph = attrs.some((a) => a.g !== undefined || (a.graphs?.length ?? 0) > 0);
  if (attrs.length && !hasGraph) attributes(node, w, indent, path);
  w.w(' (');
  w.names(p.input);
  w.w(')');
  if (attrs.length && hasGraph) attributes(node, w, indent, path);
  w.spans.push({ kind: 'node', id: node.id, path, name: p.name ?? '', startLine: start, endLine: w.line });
  w.nl();
}

function nodeList(nodes: Iterable<NodeSource>, w: Writer, indent: number, prefix: string): void {
  let i = 0;
  for (const n of nodes) printNode(n, w, indent, `${prefix}${i++}`);
}

/** `name (inputs) => (outputs) <initializers, value_info> { nodes }`, nodes at `indent`. */
function graphBody(g: GraphSource, w: Writer, indent: number, prefix: string): void {
  const start = w.line;
  const startColumn = w.col + 1;
  const outer = indent - INDENT;
  w.w(`${name(g.name)} (${g.inputs.map(valueInfoText).join(', ')}) => (${g.outputs.map(valueInfoText).join(', ')})`);
  const inits = [...g.initializers];
  if (inits.length || g.valueInfo.length || g.sparseInitializers.length) {
    w.nl();
    w.pad(outer);
    w.w('<');
    w.nl();
    const total = inits.length + g.sparseInitializers.length + g.valueInfo.length;
    let k = 0;
    const entry = (kind: 'initializer' | 'value', nm: string, text: string) => {
      w.pad(indent);
      w.w(text + (++k < total ? ',' : ''));
      w.spans.push({ kind, path: `${prefix}${kind === 'value' ? 'value_info' : 'initializer'}/${nm}`, name: nm, startLine: w.line, endLine: w.line });
      w.nl();
    };
    for (const t of inits) entry('initializer', t.name ?? '', tensorText(t, w, true));
    for (const sp of g.sparseInitializers) entry('initializer', sp.values?.name ?? '', `${sparseText(sp, w)} ${name(sp.values?.name)}`);
    for (const v of g.valueInfo) entry('value', v.name ?? '', valueInfoText(v));
    w.pad(outer);
    w.w('>');
    w.nl();
    w.pad(outer);
    w.w('{');
  } else w.w(' {');
  w.nl();
  nodeList(g.nodes(), w, indent, prefix);
  w.pad(outer);
  w.w('}');
  w.spans.push({ kind: 'graph', path: prefix, name: g.name, startLine: start, endLine: w.line, startColumn, endColumn: w.col + 1 });
}

function modelHeader(m: ModelProto): string[] {
  const e: string[] = [];
  if (m.irVersion !== undefined) e.push(`ir_version: ${String(m.irVersion)}`);
  e.push(`opset_import: ${opsets(m.opsetImport)}`);
  if (m.producerName !== undefined) e.push(`producer_name: ${quote(m.producerName)}`);
  if (m.producerVersion !== undefined) e.push(`producer_version: ${quote(m.producerVersion)}`);
  if (m.domain !== undefined) e.push(`domain: ${quote(m.domain)}`);
  if (m.modelVersion !== undefined) e.push(`model_version: ${String(m.modelVersion)}`);
  if (m.docString !== undefined) e.push(`doc_string: ${quote(m.docString)}`);
  if (m.metadataProps?.length) e.push(`metadata_props: ${keyValues(m.metadataProps)}`);
  return e;
}

function functionText(f: FunctionProto, w: Writer): void {
  const start = w.line;
  const e = [`domain: ${quote(f.domain ?? '')}`, `opset_import: ${opsets(f.opsetImport)}`];
  if (f.overload) e.push(`overload: ${quote(f.overload)}`);
  if (f.docString !== undefined) e.push(`doc_string: ${quote(f.docString)}`);
  header(w, e, 2);
  w.w(name(f.name));
  const attrs = [...(f.attribute ?? []).map(name)];
  const node = protoNode({});
  const prefix = `fn:${f.domain ? `${f.domain}.` : ''}${f.name ?? ''}/`;
  if (attrs.length || f.attributeProto?.length) {
    w.w(' <' + attrs.join(', '));
    (f.attributeProto ?? []).forEach((a, i) => {
      if (i || attrs.length) w.w(', ');
      const kind = attrKind(a);
      w.w(`${name(a.name)}: ${attrTypeName(kind) ?? 'undefined'} = `);
      attrValue(a, kind, node, w, INDENT, prefix);
    });
    w.w('>');
  }
  w.w(` (${(f.input ?? []).map(name).join(', ')}) => (${(f.output ?? []).map(name).join(', ')})`);
  w.nl();
  if (f.valueInfo?.length) {
    w.w(`<${f.valueInfo.map(valueInfoText).join(', ')}>`);
    w.nl();
  }
  w.w('{');
  w.nl();
  nodeList((f.node ?? []).map(protoNode), w, INDENT, prefix);
  w.w('}');
  w.spans.push({ kind: 'function', path: prefix, name: f.name ?? '', startLine: start, endLine: w.line });
}

function writer(options: PrintOptions): Writer {
  return new Writer(options.maxInlineElements ?? DEFAULT_MAX_INLINE_ELEMENTS);
}

/** A whole model: header, main graph, model-local functions. */
export function printModel(model: ModelProto | IrModel, options: PrintOptions = {}): PrintedText {
  const w = writer(options);
  const meta = model instanceof IrModel ? model.meta : model;
  header(w, modelHeader(meta), INDENT);
  const g = model instanceof IrModel ? irGraph(model.graph) : protoGraph(model.graph ?? {});
  graphBody(g, w, INDENT, '');
  for (const f of meta.functions ?? []) {
    w.nl();
    functionText(f, w);
  }
  w.nl();
  return new PrintedText(w.text(), w.spans);
}

/** One graph (the main graph or any subgraph), with its initializers and value_info. */
export function printGraph(graph: GraphProto | Graph, options: PrintOptions = {}): PrintedText {
  const w = writer(options);
  graphBody(graph instanceof Graph ? irGraph(graph) : protoGraph(graph), w, INDENT, '');
  w.nl();
  return new PrintedText(w.text(), w.spans);
}

/** A model-local function. */
export function printFunction(fn: FunctionProto, options: PrintOptions = {}): PrintedText {
  const w = writer(options);
  functionText(fn, w);
  w.nl();
  return new PrintedText(w.text(), w.spans);
}

/**
 * Some nodes (a selection), in graph order, without the rest of the model; parseNodes reads this
 * text back. Given the model, the nodes may lie in any of its graphs (each graph's in its order);
 * given a graph, ids of nodes elsewhere are ignored.
 */
export function printNodes(from: IrModel | Graph, ids: Iterable<NodeId>, options: PrintOptions = {}): PrintedText {
  const want = new Set(ids);
  const graphs = new Set<Graph>();
  if (from instanceof Graph) graphs.add(from);
  else for (const id of want) {
    const g = from.findNode(id)?.graph;
    if (g) graphs.add(g);
  }
  const w = writer(options);
  // Graphs in model order (the main graph, then subgraphs depth-first), whatever order the ids came in.
  const ordered = from instanceof Graph ? [from] : [...allGraphs(from.graph)].filter((g) => graphs.has(g));
  for (const g of ordered) for (const n of g.nodes) if (want.has(n.id)) printNode(irNode(n), w, 0, `#${n.id}`);
  return new PrintedText(w.text(), w.spans);
}

/** One IR node (with its subgraphs as the IR holds them), as printNodes prints it. */
export function printIrNode(node: IrNode, options: PrintOptions = {}): string {
  const w = writer(options);
  printNode(irNode(node), w, 0, `#${node.id}`);
  return w.text();
}

/** NodeProtos (a selection from a GraphProto) in the given order. */
export function printNodeProtos(nodes: readonly NodeProto[], options: PrintOptions = {}): PrintedText {
  const w = writer(options);
  nodes.forEach((n, i) => printNode(protoNode(n), w, 0, String(i)));
  return new PrintedText(w.text(), w.spans);
}
