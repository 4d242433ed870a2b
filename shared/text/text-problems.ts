import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { checkNodes, type NodeProblem } from '../shape/check-nodes.js';
import type { ShapeInference } from '../shape/infer.js';
import type { TextError } from './parse-cursor.js';
import { escapeRegExp, nameColumn } from './text-columns.js';
import type { TextSpan } from './text-map.js';

// The problems of a parsed text (check-nodes: shapes, types, schema) placed in the text: at the
// node's input or output that is wrong, at the attribute's name, else at the operator. Problems
// the model already had before the edit are not the text's fault and are left out, so an edit is
// judged only on what it makes worse.

/** A problem, independent of node ids (an unnamed node's label carries its id). */
function keyOf(p: NodeProblem): string {
  const node = p.node;
  const message = node ? p.message.replace(node.label, '') : p.message;
  return `${node ? `${node.opType}:${node.name}:${node.outputs.join(',')}` : ''}|${p.graph.name}|${message}`;
}

/** The problems the model has now (given its inference), to subtract from the edited text's. */
export function baselineProblems(model: IrModel, inference: ShapeInference): Set<string> {
  return new Set(checkNodes(model, inference).map(keyOf));
}

/** Where in its node's lines a problem points: the value, the attribute, or the operator. */
function place(lines: readonly string[], span: TextSpan | undefined, node: IrNode | undefined, p: NodeProblem): TextError {
  const start = span?.startLine ?? 1;
  const end = span?.endLine ?? start;
  const text = (l: number) => lines[l - 1] ?? '';
  /** 1-based column of the operator on line l. */
  const opAt = (l: number) => {
    const m = node ? new RegExp(`=\\s*(?:[\\w.]+\\.)?(${escapeRegExp(node.opType)})\\b`).exec(text(l)) : null;
    return m ? m.index + m[0].length - node!.opType.length + 1 : undefined;
  };
  const at = (line: number, column: number | undefined): TextError => ({ line, column: column ?? 1, message: p.message });
  if (p.attribute) {
    for (let l = start; l <= end; l++) {
      const m = new RegExp(`(?<![\\w.])${escapeRegExp(p.attribute)}\\s*:`).exec(text(l));
      if (m) return at(l, m.index + 1);
    }
  }
  if (p.value && node) {
    const isInput = node.inputs.includes(p.value);
    // Inputs come after the operator (on the node's last line when attributes span lines); outputs before '='.
    for (let l = isInput ? end : start; isInput ? l >= start : l <= start; l += isInput ? -1 : 1) {
      const line = text(l);
      const op = opAt(l);
      const c = nameColumn(line, p.value, isInput ? (op ?? Math.max(0, line.lastIndexOf('('))) : 0);
      if (c !== undefined && (isInput || op === undefined || c < op)) return at(l, c);
    }
  }
  return at(start, opAt(start));
}

/** The edited model's problems that `baseline` does not have, placed at their line and column. */
export function textProblems(model: IrModel, spans: readonly TextSpan[], source: string, baseline: ReadonlySet<string>): TextError[] {
  return placeProblems(newProblems(model, baseline), spans, source);
}

/** The model's problems (check-nodes) that `baseline` does not have. */
export function newProblems(model: IrModel, baseline: ReadonlySet<string>): NodeProblem[] {
  return checkNodes(model).filter((p) => !baseline.has(keyOf(p)));
}

/** Problems placed in the text at their node's lines (spans carry the nodes' ids), sorted by place. */
export function placeProblems(problems: readonly NodeProblem[], spans: readonly TextSpan[], source: string): TextError[] {
  if (!problems.length) return [];
  const lines = source.split('\n');
  const byId = new Map<number, TextSpan>();
  for (const s of spans) if (s.kind === 'node' && s.id !== undefined) byId.set(s.id, s);
  return problems
    .map((p) => {
      const declared = !p.node && p.value ? spans.find((s) => s.kind === 'value' && s.name === p.value) : undefined;
      return place(lines, p.node ? byId.get(p.node.id) : declared, p.node, p);
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
