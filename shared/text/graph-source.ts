import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import type { IrNode } from '../ir/node.js';
import type { AttributeProto, GraphProto, NodeProto, SparseTensorProto, TensorProto, ValueInfoProto } from '../onnx/proto-types.js';

// What the printer reads from a graph, whether it comes from protos or from the IR (whose
// subgraphs live in the IR, not in the attribute's GraphProto, once edited).

export interface NodeSource {
  /** IR node id, when printed from the IR. */
  readonly id?: NodeId;
  readonly proto: NodeProto;
  /** The graph an attribute holds (`index` for GRAPHS). */
  graphOf(attr: AttributeProto, index: number | undefined): GraphSource | undefined;
}

export interface GraphSource {
  readonly name: string;
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly initializers: Iterable<TensorProto>;
  readonly sparseInitializers: readonly SparseTensorProto[];
  readonly valueInfo: readonly ValueInfoProto[];
  nodes(): Iterable<NodeSource>;
}

/** A GraphProto as a source. */
export function protoGraph(g: GraphProto): GraphSource {
  return {
    name: g.name ?? '',
    inputs: g.input ?? [],
    outputs: g.output ?? [],
    initializers: g.initializer ?? [],
    sparseInitializers: g.sparseInitializer ?? [],
    valueInfo: g.valueInfo ?? [],
    nodes: () => (g.node ?? []).map(protoNode),
  };
}

/** A NodeProto as a source. */
export function protoNode(proto: NodeProto): NodeSource {
  return {
    proto,
    graphOf: (a, index) => {
      const g = index === undefined ? a.g : a.graphs?.[index];
      return g ? protoGraph(g) : undefined;
    },
  };
}

/** An IR graph as a source. */
export function irGraph(g: Graph): GraphSource {
  return {
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    initializers: g.initializers.values(),
    sparseInitializers: g.extra.sparseInitializer ?? [],
    valueInfo: g.extra.valueInfo ?? [],
    nodes: function* () {
      for (const n of g.nodes) yield irNode(n);
    },
  };
}

/** An IR node as a source. */
export function irNode(n: IrNode): NodeSource {
  return {
    id: n.id,
    proto: n.proto,
    graphOf: (a, index) => {
      const s = n.subgraphs.find((x) => x.attribute === a.name && x.index === index);
      return s ? irGraph(s.graph) : undefined;
    },
  };
}
