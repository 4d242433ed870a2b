import { WorkbenchError } from '../errors.js';
import type { Graph } from './graph.js';
import { orderNodes } from './topo-order.js';

/**
 * Checks what every later step relies on: each value has at most one producer, every value a
 * node or graph output reads is defined in this graph or an enclosing one, and there is no
 * cycle. Recurses into subgraphs. Throws a WorkbenchError naming the graph, node and value.
 */
export function validateGraph(graph: Graph): void {
  const where = `graph "${graph.name}"`;
  const produced = new Set<string>();
  for (const n of graph.nodes) {
    for (const v of n.outputs) {
      if (v === '') continue;
      if (produced.has(v)) {
        throw new WorkbenchError('DUPLICATE_VALUE', `${where}: value "${v}" is produced twice (again by node ${n.label})`);
      }
      produced.add(v);
    }
  }
  for (const n of graph.nodes) {
    for (const v of n.inputs) {
      if (v !== '' && !graph.sees(v)) {
        throw new WorkbenchError(
          'DANGLING_VALUE',
          `${where}: node ${n.label} reads "${v}", which no node, graph input or initializer provides`,
        );
      }
    }
    for (const s of n.subgraphs) validateGraph(s.graph);
  }
  for (const o of graph.outputs) {
    if (o.name && !graph.sees(o.name)) {
      throw new WorkbenchError('DANGLING_VALUE', `${where}: graph output "${o.name}" is not produced by any node, input or initializer`);
    }
  }
  orderNodes(graph);
}
