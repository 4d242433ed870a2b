import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import type { FunctionProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto-types.js';
import { inferShapes } from '../shape/infer.js';
import { runEdit } from '../surgery/run-edit.js';
import type { TextError } from './parse-cursor.js';
import { functionProblems } from './function-problems.js';
import { parseModel, tensorsByDigest } from './parser.js';
import { parseModelIr } from './parse-ir.js';
import { printFunction, printIrNode, printNodeProtos } from './printer.js';
import type { TextSpan } from './text-map.js';
import { baselineProblems, textProblems } from './text-problems.js';

// The edited text of a whole model applied to the open model as the difference between the two:
// nodes matched by name (else by their outputs), and only what changed is edited, so what the
// text does not carry (doc strings, metadata, a node's metadata_props) stays as it was. The text
// is parsed and its structure checked first (parseModelIr), then its shapes, types and attributes
// (text-problems: inferred shapes that do not fit each other or a declared type, what the operator
// schemas do not allow; changed model-local functions by function-problems), then the edit runs
// through runEdit: one journal transaction, the functions' new list included. Errors come back with a line and column; the model is unchanged unless the text is valid.

/** What applying the text did. */
export interface TextEdit {
  added: number;
  removed: number;
  changed: number;
  summary: string;
}

export type TextApplied = { ok: true; edit: TextEdit } | { ok: false; errors: TextError[] };

function sameTensor(a: TensorProto, b: TensorProto): boolean {
  if (a === b) return true;
  return equal(a, b);
}

/** Structural equality of decoded protos (typed arrays, bigints, nested objects). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A value's declaration as the text carries it: name and type (doc strings are not printed). */
function sameDeclaration(a: ValueInfoProto, b: ValueInfoProto): boolean {
  return a.name === b.name && equal(a.type, b.type);
}

/** Keeps the original's fields the text does not carry (doc string, metadata) on a declaration. */
function keepUncarried(next: readonly ValueInfoProto[], before: readonly ValueInfoProto[]): ValueInfoProto[] {
  const old = new Map(before.map((v) => [v.name, v]));
  return next.map((v) => ({ ...old.get(v.name), ...v }));
}

function keyOf(p: NodeProto): string {
  return p.name ? `n:${p.name}` : `o:${(p.output ?? []).join(',')}`;
}

/** Edits `node` into `p` in place (same operator, no subgraphs): inputs, outputs, name, attributes. */
function editNode(graph: Graph, node: IrNode, p: NodeProto): void {
  const inputs = p.input ?? [];
  if (!equal([...node.inputs], [...inputs])) graph.setInputs(node, inputs);
  (p.output ?? []).forEach((o, i) => {
    if (node.outputs[i] !== o) graph.setOutput(node, i, o);
  });
  if ((p.name ?? '') !== node.name) graph.rename(node, p.name ?? '');
  const next = new Map((p.attribute ?? []).map((a) => [a.name ?? '', a]));
  for (const a of node.attributes) if (!next.has(a.name ?? '')) graph.removeAttribute(node, a.name ?? '');
  for (const [name, a] of next) {
    const old = node.attribute(name);
    // The text carries no attribute doc string: keep the old one.
    if (!old || !equal({ ...old, docString: undefined }, { ...a, docString: undefined })) graph.setAttribute(node, { ...(old?.docString ? { docString: old.docString } : {}), ...a });
  }
}

function hasSubgraphs(p: NodeProto): boolean {
  return (p.attribute ?? []).some((a) => a.g || a.graphs?.length);
}

/** Applies the parsed main graph `next` to `graph`; returns the counts. */
function applyGraph(graph: Graph, next: GraphProto): TextEdit {
  const counts = { added: 0, removed: 0, changed: 0 };
  const existing = new Map<string, IrNode[]>();
  for (const n of graph.nodes) {
    const k = keyOf(n.proto);
    existing.set(k, [...(existing.get(k) ?? []), n]);
  }
  const matched = new Set<IrNode>();
  const pairs: [IrNode | undefined, NodeProto][] = [];
  for (const p of next.node ?? []) {
    const list = existing.get(keyOf(p));
    const e = list?.shift();
    if (e) matched.add(e);
    pairs.push([e, p]);
  }
  // Unmatched nodes whose first output a new node produces are the same node renamed or re-typed.
  const byOutput = new Map<string, IrNode>();
  for (const n of graph.nodes) if (!matched.has(n) && n.outputs[0]) byOutput.set(n.outputs[0], n);
  for (const pair of pairs) {
    if (pair[0]) continue;
    const e = byOutput.get(pair[1].output?.[0] ?? '');
    if (e && !matched.has(e)) {
      matched.add(e);
      pair[0] = e;
    }
  }
  for (const n of [...graph.nodes]) {
    if (matched.has(n)) continue;
    graph.removeNode(n);
    counts.removed++;
  }
  for (const [e, p] of pairs) {
    const spec = { opType: p.opType ?? '', domain: p.domain ?? '', ...(p.name ? { name: p.name } : {}), inputs: p.input ?? [], outputs: p.output ?? [], attributes: p.attribute ?? [] };
    if (!e) {
      graph.addNode(spec);
      counts.added++;
      continue;
    }
    if (printIrNode(e) === printNodeProtos([p]).text) continue;
    counts.changed++;
    const sameOp = e.opType === p.opType && e.domain === (p.domain ?? '') && e.outputs.length === (p.output ?? []).length;
    if (sameOp && !e.subgraphs.length && !hasSubgraphs(p)) editNode(graph, e, p);
    else {
      graph.removeNode(e);
      graph.addNode(spec, [e], e);
    }
  }
  const inputs = next.input ?? [];
  if (inputs.length !== graph.inputs.length || inputs.some((v, i) => !sameDeclaration(v, graph.inputs[i]!))) graph.setGraphInputs(keepUncarried(inputs, graph.inputs));
  const outputs = next.output ?? [];
  if (outputs.length !== graph.outputs.length || outputs.some((v, i) => !sameDeclaration(v, graph.outputs[i]!))) graph.setGraphOutputs(keepUncarried(outputs, graph.outputs));
  const infos = next.valueInfo ?? [];
  const names = new Set(infos.map((v) => v.name ?? ''));
  graph.removeValueInfos((graph.extra.valueInfo ?? []).map((v) => v.name ?? '').filter((n) => !names.has(n)));
  const changedInfos = infos.filter((v) => {
    const old = graph.valueInfo(v.name ?? '');
    return !old || !sameDeclaration(old, v);
  });
  if (changedInfos.length) graph.setValueInfos(changedInfos.map((v) => ({ ...graph.valueInfo(v.name ?? ''), ...v })));
  const inits = new Map((next.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const name of [...graph.initializers.keys()]) if (!inits.has(name)) graph.removeInitializer(name);
  for (const [name, t] of inits) {
    const old = graph.initializers.get(name);
    if (!old || !sameTensor(old, t)) graph.addInitializer(old?.docString ? { docString: old.docString, ...t } : t);
  }
  const parts = [counts.changed && `${counts.changed} changed`, counts.added && `${counts.added} added`, counts.removed && `${counts.removed} removed`].filter(Boolean);
  return { ...counts, summary: parts.length ? `nodes: ${parts.join(', ')}` : 'declarations or initializers changed' };
}

/**
 * The new function list, with the open model's object where a function's text did not change
 * (its body in the view keeps its node ids); a changed one keeps the metadata the text does not carry.
 */
function keepUnchanged(next: readonly FunctionProto[], before: readonly FunctionProto[]): FunctionProto[] {
  const old = new Map(before.map((f) => [printFunction(f).text, f]));
  const byKey = new Map(before.map((f) => [`${f.domain ?? ''}\u0000${f.name ?? ''}\u0000${f.overload ?? ''}`, f]));
  return next.map((f) => {
    const same = old.get(printFunction(f).text);
    if (same) return same;
    const was = byKey.get(`${f.domain ?? ''}\u0000${f.name ?? ''}\u0000${f.overload ?? ''}`);
    return was?.metadataProps?.length && !f.metadataProps ? { ...f, metadataProps: was.metadataProps } : f;
  });
}

const at = (line: number, message: string): TextApplied => ({ ok: false, errors: [{ line, column: 1, message }] });

/**
 * Parses, checks and applies the text of the whole model as one journal transaction (labelled
 * `label`). Nothing changes unless the text parses, its structure holds and shape inference
 * accepts the result. Text equal to the model changes nothing (the journal state stays).
 */
export function applyModelText(model: IrModel, source: string, label = 'edit text'): TextApplied {
  const tensors = tensorsByDigest(model);
  const checked = parseModelIr(source, { tensors });
  if (!checked.ok) return { ok: false, errors: [checked.error] };
  const parsed = parseModel(source, { tensors });
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const proto = parsed.value;
  const spans = checked.spans;
  const opsets = (m: { opsetImport?: { domain?: string; version?: number | bigint }[] }) =>
    (m.opsetImport ?? []).map((o) => `${o.domain ?? ''}:${Number(o.version ?? 0)}`).sort().join(' ');
  if (opsets(proto) !== opsets(model.meta)) return at(1, 'opset_import: changing the opsets is not applied from text (use the operations)');
  const fnText = (fs: typeof proto.functions) => (fs ?? []).map((f) => printFunction(f).text).join('\n');
  const functionsChanged = fnText(proto.functions) !== fnText(model.meta.functions);
  if (functionsChanged) {
    const wrong = functionProblems(proto, model.meta, spans, source);
    if (wrong.length) return { ok: false, errors: wrong };
  }
  // The model's inference now serves twice: what it already got wrong, and runEdit's baseline.
  const before = inferShapes(model);
  const problems = textProblems(checked.value, spans, source, baselineProblems(model, before));
  if (problems.length) return { ok: false, errors: problems };
  let edit: TextEdit | undefined;
  try {
    runEdit(model, 'edit-text', label, () => {
      // Functions first: the graph's inference after the edit sees the calls' new bodies.
      if (functionsChanged) model.setFunctions(keepUnchanged(proto.functions ?? [], model.meta.functions ?? []));
      edit = applyGraph(model.graph, proto.graph ?? {});
      if (functionsChanged) edit = { ...edit, summary: edit.added + edit.removed + edit.changed ? `${edit.summary}; local functions changed` : 'local functions changed' };
      return edit.summary;
    }, before);
  } catch (e) {
    if (!(e instanceof WorkbenchError)) throw e;
    return at(lineNamed(spans, e.message), e.message);
  }
  return { ok: true, edit: edit! };
}

/** The first line of the node whose name (or label) the message quotes; else line 1. */
function lineNamed(spans: readonly TextSpan[], message: string): number {
  let best: TextSpan | undefined;
  for (const s of spans) {
    if (s.kind !== 'node' || !s.name) continue;
    if (message.includes(s.name) && (!best || s.name.length > best.name.length)) best = s;
  }
  return best?.startLine ?? 1;
}
