import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { Pass } from '../../rewrite/pass.js';

function isDead(graph: Graph, node: IrNode): boolean {
  return node.outputs.every((v) => v === '' || !graph.usedOutside(v, new Set([node])));
}

/** Removes nodes none of whose outputs are read (by nodes, subgraphs or graph outputs). */
export const deadCodeElimination: Pass = {
  name: 'dead-code-elimination',
  description: 'removes nodes whose outputs nothing reads (ONNX operators have no side effects)',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    const g = ctx.graph;
    let removed = 0;
    // Walk from the end so that a chain of dead nodes goes in one sweep.
    const nodes = [...g.nodes].reverse();
    for (const n of nodes) {
      if (!isDead(g, n) || !ctx.inScope([n])) continue;
      g.removeNode(n);
      removed++;
    }
    return removed;
  },
};
