import { WorkbenchError } from '../../shared/errors.js';
import type { Graph } from '../../shared/ir/graph.js';
import { printGraph, printModel, printNodes } from '../../shared/text/index.js';
import { applyModelText } from '../../shared/text/apply-text.js';
import { applyFunctionSelectionText, applyFunctionText, applySelectionText, applySubgraphText } from '../../shared/text/apply-part-text.js';
import { FUNCTION_BODY, type GraphPath } from '../../shared/protocol/backend.js';
import type { TextError } from '../../shared/text/index.js';
import type { ApplyTextParams, GetTextParams, ModelText } from '../../shared/protocol/text-api.js';
import { countNodes } from '../../shared/rewrite/pass-manager.js';
import type { AppliedStep, ModelEditor } from './model-editor.js';
import type { ModelDocument } from './model-document.js';

// The model as ONNX text for the app's text editor: printed at the document's current state,
// and the edited text of the whole model, an If/Loop/Scan body or selected nodes applied back as
// one history step (not verified: an edit by hand is meant to change the model). A local
// function's body (a path ending in a call's FUNCTION_BODY), or nodes selected in it, is applied
// as the function's new body; a subgraph inside a body is read only (edit the body).

const inFunction = (path: GraphPath) => path.some((s) => s.attribute === FUNCTION_BODY);
/** Whether the text at `path` can be applied: not inside a subgraph of a function's body. */
const editable = (path: GraphPath) => !inFunction(path) || path[path.length - 1]!.attribute === FUNCTION_BODY;

/** The text of the whole model, a subgraph or function body, or some nodes, with their lines. */
export async function modelText(doc: ModelDocument, editor: ModelEditor, p: GetTextParams): Promise<ModelText> {
  await editor.idle();
  const path = p.path ?? [];
  const graph: Graph = doc.graphAt(path);
  const printed = p.nodes ? printNodes(graph, p.nodes) : path.length ? printGraph(graph) : printModel(doc.model.ir);
  const spans = printed.spans.map((s) => ({ kind: s.kind, ...(s.id !== undefined ? { id: s.id } : {}), name: s.name, startLine: s.startLine, endLine: s.endLine }));
  return { text: printed.text, spans, editable: editable(path), version: editor.version };
}

/** Text the checks refused: its problems travel out of the step's work (which then rolls back). */
class TextRefused extends Error {
  constructor(readonly errors: TextError[]) {
    super('text refused');
  }
}

/** Applies the text (whole model, subgraph body or nodes) as one step, or returns its problems (the model unchanged). */
export async function applyText(editor: ModelEditor, doc: ModelDocument, p: ApplyTextParams): Promise<{ applied: AppliedStep } | { errors: TextError[] }> {
  const path = p.path ?? [];
  if (!editable(path)) return { errors: [{ line: 1, column: 1, message: 'a subgraph inside a local function’s body is applied from the function’s body (or the model’s text)' }] };
  const fn = doc.functionAt(path);
  const ir = doc.model.ir;
  const { text, version } = p;
  try {
    const applied = await editor.applyWork({ label: 'edit text', operation: 'edit-text', selection: null, ...(version !== undefined ? { version } : {}) }, async () => {
      const nodesBefore = countNodes(ir);
      const graph = doc.graphAt(path);
      const r = fn ? (p.nodes ? applyFunctionSelectionText(ir, fn, graph, p.nodes, text) : applyFunctionText(ir, fn, text)) : p.nodes ? applySelectionText(ir, graph, p.nodes, text) : path.length ? applySubgraphText(ir, graph, text) : applyModelText(ir, text);
      if (!r.ok) throw new TextRefused(r.errors);
      return { options: { summary: r.edit.summary }, matches: r.edit.added + r.edit.removed + r.edit.changed, nodesBefore, nodesAfter: countNodes(ir), tolerance: null };
    });
    return { applied };
  } catch (e) {
    if (e instanceof TextRefused) return { errors: e.errors };
    if (e instanceof WorkbenchError && e.code === 'NOT_APPLICABLE') return { errors: [{ line: 1, column: 1, message: 'the text is the same as the model: nothing to apply' }] };
    throw e;
  }
}
