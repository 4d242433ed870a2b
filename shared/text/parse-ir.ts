import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { allGraphs, IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { validateGraph } from '../ir/validate.js';
import { parseModel, type ParseOptions, type ParseResult } from './parser.js';
import type { TextError } from './parse-cursor.js';
import { nameColumn } from './text-columns.js';
import type { TextSpan } from './text-map.js';

// The text of a model as an IrModel: parsed, built into the IR, and checked (values defined,
// produced once, no cycle). Node spans carry the new IR's node ids, so the lines of a node and
// the node of a line are known for the parsed text as for a printed one; a structural error is
// placed at the node (or graph) it names.

/** Each node of `g` (and its subgraphs) by its path in the text, as the parser names node spans. */
export function nodePaths(g: Graph, prefix: string, out: Map<string, IrNode>): void {
  let i = 0;
  for (const n of g.nodes) {
    const path = `${prefix}${i++}`;
    out.set(path, n);
    for (const s of n.subgraphs) nodePaths(s.graph, `${path}/${s.attribute}${s.index === undefined ? '' : `.${s.index}`}/`, out);
  }
}

/** The line of a span and the column of the value its error message quotes (a dangling input's name) on it. */
function placeOf(source: string, span: TextSpan | undefined, message: string): { line: number; column: number } {
  const line = span?.startLine ?? 1;
  const value = /(?:reads|value|output) "([^"]+)"/.exec(message)?.[1];
  if (!value || !span) return { line, column: 1 };
  const lines = source.split('\n');
  for (let l = span.endLine; l >= span.startLine; l--) {
    const column = nameColumn(lines[l - 1] ?? '', value);
    if (column !== undefined) return { line: l, column };
  }
  return { line, column: 1 };
}

/** Parses a model's text into the IR; errors (syntax or structure) have a line and column. */
export function parseModelIr(source: string, options: ParseOptions = {}): ParseResult<IrModel> {
  const parsed = parseModel(source, options);
  if (!parsed.ok) return parsed;
  const at = (s: TextSpan | undefined, message: string) => ({ ok: false as const, error: { ...placeOf(source, s, message), message } });
  let model: IrModel;
  try {
    model = new IrModel(parsed.value, { validate: false });
  } catch (e) {
    if (e instanceof WorkbenchError) return at(undefined, e.message);
    throw e;
  }
  const byPath = new Map<string, IrNode>();
  nodePaths(model.graph, '', byPath);
  const spans = parsed.spans.map((s) => (s.kind === 'node' && byPath.has(s.path) ? { ...s, id: byPath.get(s.path)!.id } : s));
  try {
    validateGraph(model.graph);
  } catch (e) {
    if (!(e instanceof WorkbenchError)) throw e;
    return { ok: false, error: structureError(model.graph, spans, source, e.message) };
  }
  return { ok: true, value: model, spans };
}

/**
 * A structural error of `graph` (validateGraph's message) placed in the text: at the node the
 * message names by its label (spans carry the nodes' ids), else at the graph it names.
 */
export function structureError(graph: Graph, spans: readonly TextSpan[], source: string, message: string): TextError {
  const labels = new Map<string, number>();
  for (const g of allGraphs(graph)) for (const n of g.nodes) labels.set(n.label, n.id);
  const node = [...labels].find(([label]) => message.includes(`node ${label}`));
  const span = node ? spans.find((s) => s.id === node[1]) : spans.find((s) => s.kind === 'graph' && message.includes(`graph "${s.name}"`));
  return { ...placeOf(source, span, message), message };
}
