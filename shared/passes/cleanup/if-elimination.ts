import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { addInlinedNode, addPassThroughs, bypassPassThroughs, namesInOtherSubgraphs, renamed, renameNode } from './subgraph-inlining.js';

// An If whose condition is a constant always takes the same branch: the branch's nodes and
// initializers move into the graph of the If, and its outputs become the If's. Exporters write
// such Ifs for checks on shapes that the model's declared input shapes settle (a rank test, a
// batch-size test), once shape folding has made the condition a constant.

/** The branch an If with a constant condition takes, or undefined. */
function takenBranch(ctx: PassContext, n: IrNode): Graph | undefined {
  const cond = ctx.facts.numbers(ctx.graph, n.inputs[0] ?? '');
  if (cond?.length !== 1) return undefined;
  return n.subgraphs.find((s) => s.attribute === (cond[0] ? 'then_branch' : 'else_branch'))?.graph;
}

function inline(ctx: PassContext, n: IrNode, branch: Graph): boolean {
  const g = ctx.graph;
  const proto = branch.toProto();
  if (proto.sparseInitializer?.length || (proto.output?.length ?? 0) !== n.outputs.length) return false;
  // Names the branch defines move into this graph's scope: rename those that other subgraphs
  // here use (they would shadow this graph's value there).
  const taken = namesInOtherSubgraphs(g, n);
  const map = new Map<string, string>();
  const defined = [...(proto.initializer ?? []).map((t) => t.name ?? ''), ...(proto.node ?? []).flatMap((p) => p.output ?? [])];
  for (const v of defined) if (v && (taken.has(v) || g.defines(v))) map.set(v, ctx.freshName(v));
  const nodes = (proto.node ?? []).map((p) => renameNode(p, map));
  const outputs = (proto.output ?? []).map((o) => renamed(map, o.name ?? ''));
  let passThroughs: IrNode[] = [];
  ctx.model.journal.transaction('inline the branch an If takes', () => {
    g.removeNode(n);
    for (const t of proto.initializer ?? []) g.addInitializer({ ...t, name: renamed(map, t.name ?? '') });
    for (const vi of proto.valueInfo ?? []) if (vi.name) g.setValueInfo({ ...vi, name: renamed(map, vi.name) });
    for (const p of nodes) addInlinedNode(g, p, n);
    passThroughs = addPassThroughs(g, n, outputs, 'If');
  });
  bypassPassThroughs(ctx, passThroughs);
  return true;
}

/** Replaces an If whose condition is a constant by the nodes of the branch it takes. */
export const ifElimination: Pass = {
  name: 'if-elimination',
  description: 'replaces an If whose condition is a constant by the nodes of the branch it always takes',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  run(ctx) {
    let count = 0;
    for (const n of [...ctx.graph.nodes]) {
      if (n.opType !== 'If' || !n.inDefaultDomain || !ctx.inScope([n])) continue;
      const branch = takenBranch(ctx, n);
      if (branch && inline(ctx, n, branch)) count++;
    }
    return count;
  },
};
