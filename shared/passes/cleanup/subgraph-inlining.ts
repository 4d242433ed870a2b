import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { AttributeProto, GraphProto, NodeProto } from '../../onnx/proto-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { bypassNode } from './bypass-node.js';

// Moving a subgraph's nodes into the graph of the node that holds it (If elimination, loop
// unrolling): values it defines are renamed where they would clash, values it reads from outer
// scopes stay as they are, and the holder's outputs become Identities of the moved values that
// are then bypassed where the graph allows.

/** Every value name used in a graph proto and the graphs nested in it. */
export function namesInGraph(g: GraphProto, into: Set<string>): void {
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) into.add(v.name ?? '');
  for (const t of g.initializer ?? []) into.add(t.name ?? '');
  for (const n of g.node ?? []) {
    for (const v of [...(n.input ?? []), ...(n.output ?? [])]) into.add(v);
    for (const a of n.attribute ?? []) for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) namesInGraph(sub, into);
  }
}

/** Names used inside the subgraphs of `graph`'s nodes other than `except` (the node being removed). */
export function namesInOtherSubgraphs(graph: Graph, except: IrNode): Set<string> {
  const names = new Set<string>();
  for (const n of graph.subgraphNodes) if (n !== except) for (const s of n.subgraphs) namesInGraph(s.graph.toProto(), names);
  return names;
}

/** `v` under its new name, if it has one. */
export const renamed = (map: ReadonlyMap<string, string>, v: string): string => map.get(v) ?? v;

/** A graph proto with value names renamed (names it defines itself are never in the map). */
function renameGraph(g: GraphProto, map: ReadonlyMap<string, string>): GraphProto {
  const vi = <T extends { name?: string }>(list: T[] | undefined) => list?.map((v) => ({ ...v, name: renamed(map, v.name ?? '') }));
  return { ...g, input: vi(g.input), output: vi(g.output), valueInfo: vi(g.valueInfo), node: g.node?.map((n) => renameNode(n, map)) };
}

/** A node proto with its inputs, outputs and the outer names its subgraphs read renamed. */
export function renameNode(n: NodeProto, map: ReadonlyMap<string, string>): NodeProto {
  const attribute = n.attribute?.map(
    (a): AttributeProto => (a.g || a.graphs ? { ...a, ...(a.g ? { g: renameGraph(a.g, map) } : {}), ...(a.graphs ? { graphs: a.graphs.map((s) => renameGraph(s, map)) } : {}) } : a),
  );
  return { ...n, input: n.input?.map((v) => renamed(map, v)), output: n.output?.map((v) => renamed(map, v)), attribute };
}

/** Adds a (renamed) node proto of a subgraph to `g`, derived from `holder`. */
export function addInlinedNode(g: Graph, p: NodeProto, holder: IrNode, name = p.name ?? ''): IrNode {
  return g.addNode({ opType: p.opType ?? '', domain: p.domain ?? '', name, inputs: p.input ?? [], outputs: p.output ?? [], attributes: p.attribute ?? [] }, [holder]);
}

/**
 * Makes each output of `holder` an Identity of the value given for it, where one is given (call
 * inside the transaction that removes `holder`); returns the Identities for `bypassPassThroughs`.
 */
export function addPassThroughs(g: Graph, holder: IrNode, values: readonly (string | undefined)[], kind: string): IrNode[] {
  const nodes: IrNode[] = [];
  holder.outputs.forEach((out, i) => {
    if (out === '' || values[i] === undefined) return;
    nodes.push(g.addNode({ opType: 'Identity', name: `${holder.name || kind}/output_${i}`, inputs: [values[i]!], outputs: [out] }, [holder]));
  });
  return nodes;
}

/**
 * The Identity nodes go where they can (not where a graph output must keep its name). Each
 * reads its input as it is now: bypassing one may have renamed the value another reads.
 */
export function bypassPassThroughs(ctx: PassContext, nodes: readonly IrNode[]): void {
  for (const node of nodes) bypassNode(ctx, node, node.inputs[0]!);
}
