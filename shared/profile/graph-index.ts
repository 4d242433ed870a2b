// A model's nodes flattened over the main graph and every subgraph, with the value maps the
// profile attribution and the before/after matching walk: producer, consumers, constants.

import type { AttributeProto, GraphProto, NodeProto } from '../onnx/proto-types.js';

export interface IndexedNode {
  /** Position in the flattened list (main graph first, subgraphs depth-first after their owner). */
  id: number;
  /** The node's name, or `<OpType>_<index>` when it has none: the name onnxruntime's profiler gives it. */
  name: string;
  named: boolean;
  opType: string;
  domain: string;
  /** Non-empty input value names. */
  inputs: string[];
  outputs: string[];
  /** '' for the main graph, else the owning node's name and attribute (`If_0/then_branch`). */
  graph: string;
  /** Index within its own graph. */
  index: number;
  /** The node whose subgraph holds this one. */
  parent: number | null;
  attributes: readonly AttributeProto[];
  /** metadata_props as a map. */
  metadata: Record<string, string>;
}

export interface GraphIndex {
  nodes: IndexedNode[];
  producer: Map<string, number>;
  consumers: Map<string, number[]>;
  /** Inputs of the main graph and of subgraphs (formal parameters), initializers excluded. */
  graphInputs: Set<string>;
  graphOutputs: Set<string>;
  initializers: Set<string>;
  /** Values computed from initializers and constants alone: onnxruntime folds them when optimizing. */
  constants: Set<string>;
  /** Node ids by name (unnamed nodes by their `<OpType>_<index>` name). */
  byName: Map<string, number[]>;
}

// Operators whose output changes from run to run: never constant.
const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

function subgraphsOf(n: NodeProto): { attribute: string; graph: GraphProto }[] {
  const out: { attribute: string; graph: GraphProto }[] = [];
  for (const a of n.attribute ?? []) {
    if (a.g) out.push({ attribute: a.name ?? '', graph: a.g });
    (a.graphs ?? []).forEach((g, i) => out.push({ attribute: `${a.name ?? ''}[${i}]`, graph: g }));
  }
  return out;
}

/** Indexes `graph` and its subgraphs. */
export function indexGraph(graph: GraphProto): GraphIndex {
  const idx: GraphIndex = {
    nodes: [],
    producer: new Map(),
    consumers: new Map(),
    graphInputs: new Set(),
    graphOutputs: new Set((graph.output ?? []).map((o) => o.name ?? '')),
    initializers: new Set(),
    constants: new Set(),
    byName: new Map(),
  };
  const visit = (g: GraphProto, path: string, parent: number | null) => {
    const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
    for (const t of inits) idx.initializers.add(t);
    for (const i of g.input ?? []) if (!inits.has(i.name ?? '')) idx.graphInputs.add(i.name ?? '');
    (g.node ?? []).forEach((n, index) => {
      const opType = n.opType ?? '';
      const named = (n.name ?? '') !== '';
      const node: IndexedNode = {
        id: idx.nodes.length,
        name: named ? n.name! : `${opType}_${index}`,
        named,
        opType,
        domain: n.domain ?? '',
        inputs: (n.input ?? []).filter((v) => v !== ''),
        outputs: (n.output ?? []).filter((v) => v !== ''),
        graph: path,
        index,
        parent,
        attributes: n.attribute ?? [],
        metadata: Object.fromEntries((n.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
      };
      idx.nodes.push(node);
      for (const o of node.outputs) idx.producer.set(o, node.id);
      for (const v of node.inputs) {
        if (!idx.consumers.has(v)) idx.consumers.set(v, []);
        idx.consumers.get(v)!.push(node.id);
      }
      if (!idx.byName.has(node.name)) idx.byName.set(node.name, []);
      idx.byName.get(node.name)!.push(node.id);
      for (const s of subgraphsOf(n)) visit(s.graph, `${node.name}/${s.attribute}`, node.id);
    });
  };
  visit(graph, '', null);
  markConstants(idx);
  return idx;
}

function markConstants(idx: GraphIndex): void {
  for (const t of idx.initializers) idx.constants.add(t);
  // Nodes are in topological order within a valid graph; a second sweep covers files that are not.
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const n of idx.nodes) {
      if (NONDETERMINISTIC.has(n.opType) || n.outputs.every((o) => idx.constants.has(o))) continue;
      if (n.attributes.some((a) => a.g || a.graphs?.length)) continue;
      if (n.inputs.every((v) => idx.constants.has(v))) for (const o of n.outputs) idx.constants.add(o);
    }
  }
}

/** Whether every output of node `id` is a constant (a node onnxruntime folds away when optimizing). */
export function isConstantNode(idx: GraphIndex, id: number): boolean {
  const n = idx.nodes[id]!;
  return n.outputs.length > 0 && n.outputs.every((o) => idx.constants.has(o));
}
