import type { Graph } from '../ir/graph.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { ValueInfoProto } from '../onnx/proto-types.js';
import type { ShapeInference } from './infer.js';
import { typeFromProto, typesEqual, typeToProto, type ValueType } from './types.js';

// Writes inferred types back into the model: value_info for intermediate values and types for
// graph outputs, in every graph, as one journaled transaction (so it undoes as one step). This is
// what the graph view shows on edges and what a saved model carries for other tools.

/** What applyValueInfo wrote. */
export interface AppliedValueInfo {
  /** value_info entries added or replaced, over all graphs. */
  valueInfos: number;
  /** Graph outputs whose type was filled in or refined. */
  outputs: number;
}

// A TypeProto needs an element type; a type that does not know one is not worth writing.
function writable(t: ValueType | undefined): t is ValueType {
  if (!t) return false;
  switch (t.kind) {
    case 'tensor':
      return t.elemType !== 0;
    case 'sequence':
    case 'optional':
      return writable(t.elem);
    case 'map':
      return writable(t.value);
  }
}

function changed(existing: ValueInfoProto | undefined, t: ValueType): boolean {
  return !existing?.type || !typesEqual(typeFromProto(existing.type), t);
}

function applyToGraph(graph: Graph, inference: ShapeInference, skip: ReadonlySet<string>, counts: AppliedValueInfo): void {
  const outputs = new Set(graph.outputs.map((o) => o.name ?? ''));
  const infos: ValueInfoProto[] = [];
  for (const node of graph.nodes) {
    for (const name of node.outputs) {
      if (name === '' || outputs.has(name) || skip.has(name)) continue;
      const t = inference.typeOf(graph, name);
      const existing = graph.valueInfo(name);
      if (writable(t) && changed(existing, t)) infos.push({ ...existing, name, type: typeToProto(t) });
    }
  }
  if (infos.length) graph.setValueInfos(infos);
  counts.valueInfos += infos.length;
  let outputsChanged = 0;
  const newOutputs = graph.outputs.map((o) => {
    const t = o.name ? inference.typeOf(graph, o.name) : undefined;
    if (!o.name || skip.has(o.name) || !writable(t) || !changed(o, t)) return o;
    outputsChanged++;
    return { ...o, type: typeToProto(t) };
  });
  if (outputsChanged) graph.setGraphOutputs(newOutputs);
  counts.outputs += outputsChanged;
}

/**
 * Writes the inferred types into the model as value_info and graph output types (one undoable
 * transaction). Values whose declared type conflicts with inference keep their declaration.
 */
export function applyValueInfo(model: IrModel, inference: ShapeInference): AppliedValueInfo {
  const counts: AppliedValueInfo = { valueInfos: 0, outputs: 0 };
  const conflicted = new Map<Graph, Set<string>>();
  for (const c of inference.conflicts) {
    let set = conflicted.get(c.graph);
    if (!set) conflicted.set(c.graph, (set = new Set()));
    set.add(c.value);
  }
  const none = new Set<string>();
  model.journal.transaction('infer shapes', () => {
    for (const g of allGraphs(model.graph)) applyToGraph(g, inference, conflicted.get(g) ?? none, counts);
  });
  return counts;
}
