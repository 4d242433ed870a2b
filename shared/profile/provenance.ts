// Provenance in saved files: a node our optimizer made or changed carries the names of the
// nodes of its input model it derives from, as node metadata `onnx-workbench.origins` (a JSON
// array of names; unnamed nodes as `<OpType>_<index>`, as onnxruntime's profiler names them).
// Unchanged nodes carry nothing: their own name says where they came from.

import type { NodeId } from '../ir/journal.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { GraphProto, ModelProto, NodeProto } from '../onnx/proto-types.js';

/** The metadata_props key holding a node's origins. */
export const ORIGINS_KEY = 'onnx-workbench.origins';

/** Origins from the metadata value; an unreadable value gives none. */
export function parseOrigins(raw: string): string[] {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Names of every node of `model` by id, as the model is now (call it before editing). */
export function nodeNamesById(model: IrModel): Map<NodeId, string> {
  const names = new Map<NodeId, string>();
  for (const g of allGraphs(model.graph)) [...g.nodes].forEach((n, i) => names.set(n.id, n.name !== '' ? n.name : `${n.opType}_${i}`));
  return names;
}

function nodeKey(opType: string | undefined, outputs: readonly string[] | undefined): string {
  return `${opType ?? ''}\u0000${(outputs ?? []).join('\u0000')}`;
}

/**
 * `proto` (the model's toProto()) with origins metadata on every node whose provenance is not just
 * itself. `originalNames` are the names of the loaded model's nodes (nodeNamesById before editing).
 * Nodes are found in the proto by op type and outputs, which SSA makes unique.
 */
export function withOrigins(proto: ModelProto, model: IrModel, originalNames: ReadonlyMap<NodeId, string>): ModelProto {
  const origins = new Map<string, string[]>();
  for (const g of allGraphs(model.graph)) {
    for (const n of g.nodes) {
      if (n.origins.length === 1 && n.origins[0] === n.id && originalNames.has(n.id)) continue;
      const names = n.origins.map((id) => originalNames.get(id)).filter((s): s is string => s !== undefined);
      if (names.length) origins.set(nodeKey(n.opType, n.outputs), names);
    }
  }
  if (!origins.size) return proto;
  const mark = (node: NodeProto): NodeProto => {
    const names = origins.get(nodeKey(node.opType, node.output));
    let out = node;
    if (names) {
      const rest = (node.metadataProps ?? []).filter((e) => e.key !== ORIGINS_KEY);
      out = { ...node, metadataProps: [...rest, { key: ORIGINS_KEY, value: JSON.stringify(names) }] };
    }
    if (!node.attribute?.some((a) => a.g || a.graphs)) return out;
    return { ...out, attribute: node.attribute.map((a) => (a.g || a.graphs ? { ...a, ...(a.g ? { g: walk(a.g) } : {}), ...(a.graphs ? { graphs: a.graphs.map(walk) } : {}) } : a)) };
  };
  const walk = (g: GraphProto): GraphProto => ({ ...g, node: (g.node ?? []).map(mark) });
  return { ...proto, graph: walk(proto.graph ?? {}) };
}
