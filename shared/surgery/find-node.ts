import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';

/**
 * A node by id (a whole number that is a node's id) or else by name, in the main graph or any
 * subgraph (the same rule as `optimize --nodes`). Unknown or ambiguous names are WorkbenchErrors.
 */
export function findNode(model: IrModel, key: string): { node: IrNode; graph: Graph } {
  if (/^\d+$/.test(key)) {
    const byId = model.findNode(Number(key));
    if (byId) return byId;
  }
  const found: { node: IrNode; graph: Graph }[] = [];
  for (const graph of allGraphs(model.graph)) for (const node of graph.nodes) if (node.name === key) found.push({ node, graph });
  if (found.length === 0) throw new WorkbenchError('UNKNOWN_NODE', `no node with id or name "${key}"`);
  if (found.length > 1) {
    throw new WorkbenchError('AMBIGUOUS_NODE', `${found.length} nodes are named "${key}"; give an id (${found.map((f) => f.node.id).join(', ')})`);
  }
  return found[0]!;
}

/** Every value name used anywhere in the model: node inputs and outputs, initializers, graph inputs and outputs. */
export function valueNames(model: IrModel): Set<string> {
  const names = new Set<string>();
  for (const g of allGraphs(model.graph)) {
    for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) if (v !== '') names.add(v);
    for (const k of g.initializers.keys()) names.add(k);
    for (const s of g.extra.sparseInitializer ?? []) if (s.values?.name) names.add(s.values.name);
    for (const v of [...g.inputs, ...g.outputs]) if (v.name) names.add(v.name);
  }
  return names;
}

/** The graph that defines `value` (node output, initializer or graph input): the main graph first, then subgraphs. */
export function graphDefining(model: IrModel, value: string): Graph | undefined {
  for (const g of allGraphs(model.graph)) if (g.defines(value)) return g;
  return undefined;
}

/** The main graph, after checking that it defines `value` (edits of the model's interface act there). */
export function mainGraphValue(model: IrModel, value: string, role: string): Graph {
  const g = model.graph;
  if (!g.defines(value)) {
    const inner = graphDefining(model, value);
    throw new WorkbenchError(
      'UNKNOWN_VALUE',
      inner ? `${role} "${value}" is a value of subgraph "${inner.name}", not of the main graph` : `${role} "${value}": no such value in the main graph`,
    );
  }
  return g;
}
