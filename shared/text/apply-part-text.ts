import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { applyModelText, type TextApplied } from './apply-text.js';
import type { TextError } from './parse-cursor.js';
import type { FunctionProto } from '../onnx/proto-types.js';
import { tokenize } from './lexer.js';
import { nameText } from './literals.js';
import { parseGraph, parseNodes, tensorsByDigest } from './parser.js';
import { printGraph, printModel } from './printer.js';
import type { PrintedText } from './text-map.js';
import { ELEM_TYPE_WORDS } from './type-text.js';

// The edited text of a part of the model (an If/Loop/Scan body, or selected nodes) applied as
// the whole model's text with that part replaced: the text is spliced into the model's printed
// text where the part was, and applyModelText parses, checks and applies the result as one
// journal step, so a part is held to the same checks as the whole model. Errors come back at
// their place in the part's text; one outside it (the rest no longer fits) is put on line 1.
// A local function's body is shown as a graph (printGraph of the body): from its inputs' '(' on,
// that text is also the function's text, so it replaces the function's from there, and the
// function's header (domain, opset_import) and attributes stay as they were.

/**
 * Where the part's text went in the whole text: its first line and the column it starts at
 * there, and where in the part's own text the spliced text begins (1, 1 unless a head of it was left out).
 */
interface Splice {
  text: string;
  line: number;
  column: number;
  lines: number;
  partLine?: number;
  partColumn?: number;
}

function splice(whole: string, from: { line: number; column: number }, to: { line: number; column: number }, part: string): Splice {
  const lines = whole.split('\n');
  const head = lines.slice(0, from.line - 1);
  const first = lines[from.line - 1]!.slice(0, from.column - 1);
  const last = lines[to.line - 1]!.slice(to.column - 1);
  const body = part.replace(/\n+$/, '');
  // The rest of the line goes on a line of its own: a comment at the body's end must not swallow it.
  const text = [...head, first + body, last, ...lines.slice(to.line)].join('\n');
  return { text, line: from.line, column: from.column, lines: body.split('\n').length };
}

/** Errors of the whole text placed in the part's text. */
function mapBack(errors: readonly TextError[], s: Splice, label: string): TextError[] {
  return errors.map((e) => {
    const rel = e.line - s.line;
    if (rel < 0 || rel >= s.lines) return { line: 1, column: 1, message: `${label}: ${e.message}` };
    return { ...e, line: rel + (s.partLine ?? 1), column: rel === 0 ? Math.max(1, e.column - s.column + (s.partColumn ?? 1)) : e.column };
  });
}

function refused(message: string, line = 1, column = 1): TextApplied {
  return { ok: false, errors: [{ line, column, message }] };
}

/** The node whose attribute holds `graph` (a subgraph of the model). */
function ownerOf(graph: Graph): IrNode | undefined {
  return graph.parent?.subgraphNodes.find((n) => n.subgraphs.some((s) => s.graph === graph));
}

/**
 * Applies the edited text of a subgraph (`graph`, the body of an If, Loop or Scan node of
 * `model`) as one journal step; the rest of the model is unchanged. The text is one graph, as
 * printGraph writes it.
 */
export function applySubgraphText(model: IrModel, graph: Graph, source: string, label = 'edit text'): TextApplied {
  const owner = ownerOf(graph);
  if (!owner) return refused('only an If, Loop or Scan body (or the whole model) is applied from text');
  const tensors = tensorsByDigest(model);
  const alone = parseGraph(source, { tensors });
  if (!alone.ok) return { ok: false, errors: [alone.error] };
  const printed = printModel(model);
  const ownerSpan = printed.linesOf(owner.id);
  const sub = owner.subgraphs.find((s) => s.graph === graph)!;
  const path = ownerSpan && `${ownerSpan.path}/${sub.attribute}${sub.index === undefined ? '' : `.${sub.index}`}/`;
  const span = printed.spans.find((s) => s.kind === 'graph' && s.path === path);
  if (!span?.startColumn || !span.endColumn) return refused(`the body of ${owner.label} is not in the model's text`);
  const s = splice(printed.text, { line: span.startLine, column: span.startColumn }, { line: span.endLine, column: span.endColumn }, source);
  const r = applyModelText(model, s.text, label);
  return r.ok ? r : { ok: false, errors: mapBack(r.errors, s, `outside the body of ${owner.label}`) };
}

/** Values the nodes produce that something else reads (a node outside them, in any graph, or a graph output). */
function leaving(graph: Graph, nodes: readonly IrNode[]): string[] {
  const inside = new Set(nodes);
  return nodes.flatMap((n) => n.outputs.filter((v) => v !== '' && graph.usedOutside(v, inside)));
}

/**
 * Applies the edited text of some nodes of `graph` (as printNodes writes them) in their place, as
 * one journal step. Values that leave the selection (read by other nodes or graph outputs) must
 * still be produced under the same names; values it reads from outside keep theirs (else they
 * do not resolve and the text is refused at the node).
 */
export function applySelectionText(model: IrModel, graph: Graph, ids: readonly NodeId[], source: string, label = 'edit text'): TextApplied {
  return applySelection(model, graph, ids, source, printModel(model), (text) => applyModelText(model, text, label));
}

/**
 * Applies the edited text of some nodes of a local function's body (`body`, the body of `fn` as
 * a graph, whose nodes `ids` name) in their place: the body's text with them replaced is applied
 * as the function's body (applyFunctionText), one journal step.
 */
export function applyFunctionSelectionText(model: IrModel, fn: FunctionProto, body: Graph, ids: readonly NodeId[], source: string, label = 'edit text'): TextApplied {
  return applySelection(model, body, ids, source, printGraph(body), (text) => applyFunctionText(model, fn, text, label));
}

/** The selection's text put in place of its nodes' lines in `printed` (the text holding them), applied by `apply`. */
function applySelection(model: IrModel, graph: Graph, ids: readonly NodeId[], source: string, printed: PrintedText, apply: (text: string) => TextApplied): TextApplied {
  const want = new Set(ids);
  const nodes = [...graph.nodes].filter((n) => want.has(n.id));
  if (!nodes.length) return refused('none of the selected nodes is in this graph any more');
  const tensors = tensorsByDigest(model);
  const alone = parseNodes(source, { tensors });
  if (!alone.ok) return { ok: false, errors: [alone.error] };
  const produced = new Set(alone.value.flatMap((p) => p.output ?? []));
  const lost = leaving(graph, nodes).find((v) => !produced.has(v));
  if (lost !== undefined) return refused(`value "${lost}" is read outside the selection: the edited nodes must still produce it under that name`);
  const spans = nodes.map((n) => printed.linesOf(n.id)!).filter(Boolean);
  if (spans.length !== nodes.length) return refused('the selected nodes are not in the model’s text');
  // The selection's lines are removed and its text put where the first of them was.
  const lines = printed.text.split('\n');
  const drop = new Set<number>();
  for (const sp of spans) for (let l = sp.startLine; l <= sp.endLine; l++) drop.add(l);
  const at = Math.min(...spans.map((sp) => sp.startLine));
  const kept = lines.map((l, i) => (drop.has(i + 1) && i + 1 !== at ? undefined : l));
  const body = source.replace(/\n+$/, '');
  kept[at - 1] = body;
  const text = kept.filter((l) => l !== undefined).join('\n');
  const s: Splice = { text, line: at, column: 1, lines: body.split('\n').length };
  const r = apply(s.text);
  return r.ok ? r : { ok: false, errors: mapBack(r.errors, s, 'outside the selection') };
}

/**
 * Applies the edited text of a model-local function's body (`fn`, one of the model's functions),
 * as printGraph writes the body, as one journal step. The function keeps its name, header and
 * attributes; the body holds no initializers and its inputs and outputs no types (value_info
 * declares them).
 */
export function applyFunctionText(model: IrModel, fn: FunctionProto, source: string, label = 'edit text'): TextApplied {
  const index = (model.meta.functions ?? []).indexOf(fn);
  const title = `${fn.domain ? `${fn.domain}.` : ''}${fn.name ?? ''}`;
  if (index < 0) return refused(`function ${title} is no longer in the model`);
  const alone = parseGraph(source, { tensors: tensorsByDigest(model) });
  if (!alone.ok) return { ok: false, errors: [alone.error] };
  const tokens = tokenize(source);
  const [nameToken, open] = [tokens[0]!, tokens[1]!];
  if (nameToken.text !== (fn.name ?? '')) return refused(`the function's name stays ${fn.name ?? ''} here (its calls name it): rename it in the model's text`, nameToken.line, nameToken.column);
  const init = alone.spans.find((sp) => sp.kind === 'initializer');
  if (init) return refused(`a function has no initializers: make "${init.name}" a Constant node`, init.startLine);
  const g = alone.value;
  const typed = [...(g.input ?? []), ...(g.output ?? [])].find((v) => v.type);
  if (typed) return refused(`a function's inputs and outputs have no types here ("${typed.name ?? ''}"): declare them in value_info (< ... >)`, nameToken.line);
  const printed = printModel(model);
  const span = printed.spans.filter((sp) => sp.kind === 'function')[index];
  const lines = printed.text.split('\n');
  // The header ends with a line '>' (its entries are indented); the signature follows it.
  let sig = span ? span.startLine : 0;
  while (sig && sig <= span!.endLine && lines[sig - 1] !== '>') sig++;
  sig++;
  const nm = (v: string) => nameText(v, ELEM_TYPE_WORDS);
  const tail = ` (${(fn.input ?? []).map(nm).join(', ')}) => (${(fn.output ?? []).map(nm).join(', ')})`;
  const line = lines[sig - 1];
  if (!span || line === undefined || !line.endsWith(tail)) return refused(`the body of function ${title} is not in the model's text`);
  const from = { line: sig, column: line.length - tail.length + 2 };
  const s: Splice = { ...splice(printed.text, from, { line: span.endLine, column: 2 }, source.slice(open.offset)), partLine: open.line, partColumn: open.column };
  const r = applyModelText(model, s.text, label);
  return r.ok ? r : { ok: false, errors: mapBack(r.errors, s, `outside the body of function ${title}`) };
}
