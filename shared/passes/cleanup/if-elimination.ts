import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { AttributeProto, GraphProto, NodeProto } from '../../onnx/proto-types.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { bypassNode } from './bypass-node.js';

// An If whose condition is a constant always takes the same branch: the branch's nodes and
// initializers move into the graph of the If, and its outputs become the If's. Exporters write
// such Ifs for checks on shapes that the model's declared input shapes settle (a rank test, a
// batch-size test), once shape folding has made the condition a constant.

/** Every value name used in a graph proto and the graphs nested in it. */
function namesIn(g: GraphProto, into: Set<string>): void {
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) into.add(v.name ?? '');
  for (const t of g.initializer ?? []) into.add(t.name ?? '');
  for (const n of g.node ?? []) {
    for (const v of [...(n.input ?? []), ...(n.output ?? [])]) into.add(v);
    for (const a of n.attribute ?? []) for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) namesIn(sub, into);
  }
}

/** Names used inside the subgraphs of `graph`'s nodes other than `except` (the If being removed). */
function namesInOtherSubgraphs(graph: Graph, except: IrNode): Set<string> {
  const names = new Set<string>();
  for (const n of graph.subgraphNodes) if (n !== except) for (const s of n.subgraphs) namesIn(s.graph.toProto(), names);
  return names;
}

const renamed = (map: ReadonlyMap<string, string>, v: string) => map.get(v) ?? v;

/** A graph proto with value names renamed (names it defines itself are never in the map). */
function renameGraph(g: GraphProto, map: ReadonlyMap<string, string>): GraphProto {
  const vi = <T extends { name?: string }>(list: T[] | undefined) => list?.map((v) => ({ ...v, name: renamed(map, v.name ?? '') }));
  return { ...g, input: vi(g.input), output: vi(g.output), valueInfo: vi(g.valueInfo), node: g.node?.map((n) => renameNode(n, map)) };
}

function renameNode(n: NodeProto, map: ReadonlyMap<string, string>): NodeProto {
  const attribute = n.attribute?.map(
    (a): AttributeProto => (a.g || a.graphs ? { ...a, ...(a.g ? { g: renameGraph(a.g, map) } : {}), ...(a.graphs ? { graphs: a.graphs.map((s) => renameGraph(s, map)) } : {}) } : a),
  );
  return { ...n, input: n.input?.map((v) => renamed(map, v)), output: n.output?.map((v) => renamed(map, v)), attribute };
}

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
  const passThroughs: IrNode[] = [];
  ctx.model.journal.transaction('inline the branch an If takes', () => {
    g.removeNode(n);
    for (const t of proto.initializer ?? []) g.addInitializer({ ...t, name: renamed(map, t.name ?? '') });
    for (const vi of proto.valueInfo ?? []) if (vi.name) g.setValueInfo({ ...vi, name: renamed(map, vi.name) });
    for (const p of nodes) {
      g.addNode({ opType: p.opType ?? '', domain: p.domain ?? '', name: p.name ?? '', inputs: p.input ?? [], outputs: p.output ?? [], attributes: p.attribute ?? [] }, [n]);
    }
    n.outputs.forEach((out, i) => {
      if (out === '') return;
      const node = g.addNode({ opType: 'Identity', name: `${n.name || 'If'}/output_${i}`, inputs: [outputs[i]!], outputs: [out] }, [n]);
      passThroughs.push(node);
    });
  });
  // The Identity nodes go where they can (not where a graph output must keep its name). Each
  // reads its input as it is now: bypassing one may have renamed the value another reads.
  for (const node of passThroughs) bypassNode(ctx, node, node.inputs[0]!);
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
      if (n.opType !== 'If' || (n.domain !== '' && n.domain !== 'ai.onnx') || !ctx.inScope([n])) continue;
      const branch = takenBranch(ctx, n);
      if (branch && inline(ctx, n, branch)) count++;
    }
    return count;
  },
};
