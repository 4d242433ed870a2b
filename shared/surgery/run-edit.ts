import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { validateGraph } from '../ir/validate.js';
import { countNodes } from '../rewrite/pass-manager.js';
import { inferShapes, typeToProto, type ShapeInference } from '../shape/index.js';
import type { EditReport } from './edit.js';

/** What inference already disliked before an edit: an edit is judged only on what it makes worse. */
interface Baseline {
  failures: Set<IrNode>;
  conflicts: Map<Graph, Set<string>>;
}

function baselineOf(inference: ShapeInference): Baseline {
  const conflicts = new Map<Graph, Set<string>>();
  for (const c of inference.conflicts) {
    let set = conflicts.get(c.graph);
    if (!set) conflicts.set(c.graph, (set = new Set()));
    set.add(c.value);
  }
  return { failures: new Set(inference.failures.map((f) => f.node)), conflicts };
}

/**
 * Rewrites declared types that now contradict inference: they described the model before the edit
 * (a shape that changed with an attribute or an input), and a stale declaration would mislead
 * runtimes and the view. Returns how many were rewritten.
 */
function refreshConflicts(inference: ShapeInference, baseline: Baseline): number {
  let count = 0;
  for (const c of inference.conflicts) {
    if (baseline.conflicts.get(c.graph)?.has(c.value)) continue;
    const t = inference.typeOf(c.graph, c.value);
    if (!t) continue;
    const type = typeToProto(t);
    const vi = c.graph.valueInfo(c.value);
    if (vi) c.graph.setValueInfo({ ...vi, type });
    if (c.graph.isGraphOutput(c.value)) c.graph.setGraphOutputs(c.graph.outputs.map((o) => (o.name === c.value ? { ...o, type } : o)));
    count++;
  }
  return count;
}

/**
 * Runs `body` as one journal transaction labelled `label`, then checks the result: the graph
 * structure (every value defined, no cycle) and shape inference (no node it accepted before now
 * fails). A failed check throws a WorkbenchError starting with `refused` and the transaction is
 * rolled back, so the model is exactly as before. `body` gets the inference of the model before
 * the edit (types of the values it is about to change) and returns the summary line; a caller
 * that has that inference already passes it as `inferred`.
 */
export function runEdit(model: IrModel, edit: string, label: string, body: (before: ShapeInference) => string, inferred?: ShapeInference): EditReport {
  const nodesBefore = countNodes(model);
  const stateBefore = model.journal.state;
  const before = inferred ?? inferShapes(model);
  const baseline = baselineOf(before);
  let annotationsUpdated = 0;
  const summary = model.journal.transaction(label, () => {
    const summary = body(before);
    try {
      validateGraph(model.graph);
    } catch (e) {
      if (e instanceof WorkbenchError) throw new WorkbenchError('EDIT_REFUSED', `${label} refused: it would leave an invalid model (${e.message})`);
      throw e;
    }
    const after = inferShapes(model);
    const broken = after.failures.find((f) => !baseline.failures.has(f.node));
    if (broken) throw new WorkbenchError('EDIT_REFUSED', `${label} refused: shape inference fails after it at ${broken.message}`);
    annotationsUpdated = refreshConflicts(after, baseline);
    return summary;
  });
  return { edit, summary, nodesBefore, nodesAfter: countNodes(model), stateBefore, annotationsUpdated };
}

/** A refusal before anything changed: a WorkbenchError naming the edit and why. */
export function refuse(label: string, why: string): never {
  throw new WorkbenchError('EDIT_REFUSED', `${label} refused: ${why}`);
}
