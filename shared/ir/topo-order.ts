import { WorkbenchError } from '../errors.js';
import type { Graph } from './graph.js';
import type { IrNode } from './node.js';

/**
 * The graph's nodes in topological order. Nodes keep their current order except where a node
 * must move after a producer it reads (so a file that was sorted stays exactly as it was, and
 * nodes added by a rewrite land just before their first reader). Iterative, so long chains do
 * not overflow the stack. A cycle is a WorkbenchError naming a node on it. Values a node's
 * subgraphs read from this graph (an If branch reading an outer value) count as its inputs.
 */
export function orderNodes(graph: Graph): IrNode[] {
  const order: IrNode[] = [];
  const state = new Map<IrNode, 1 | 2>(); // 1 = on the stack, 2 = emitted
  const stack: { node: IrNode; inputs: readonly string[]; next: number }[] = [];
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    state.set(root, 1);
    stack.push({ node: root, inputs: readsOf(root), next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const inputs = top.inputs;
      let pushed = false;
      while (top.next < inputs.length) {
        const v = inputs[top.next++]!;
        const p = v === '' ? undefined : graph.producer(v);
        if (!p) continue;
        const s = state.get(p);
        if (s === 2) continue;
        if (s === 1) {
          throw new WorkbenchError(
            'GRAPH_CYCLE',
            `graph "${graph.name}" has a cycle: node ${p.label} depends on its own output through "${v}"`,
          );
        }
        state.set(p, 1);
        stack.push({ node: p, inputs: readsOf(p), next: 0 });
        pushed = true;
        break;
      }
      if (pushed) continue;
      stack.pop();
      state.set(top.node, 2);
      order.push(top.node);
    }
  }
  return order;
}

function readsOf(node: IrNode): readonly string[] {
  if (node.subgraphs.length === 0) return node.inputs;
  const reads = [...node.inputs];
  for (const s of node.subgraphs) reads.push(...s.graph.outerReferences());
  return reads;
}
