import { WorkbenchError } from '../errors.js';
import type { FunctionProto, ModelProto } from '../onnx/proto-types.js';
import { Graph, type GraphContext } from './graph.js';
import { Journal, type NodeId } from './journal.js';
import type { IrNode } from './node.js';
import { validateGraph } from './validate.js';

/**
 * A model in the IR: the main graph (with its subgraphs) as mutable, journaled structures, and
 * every other ModelProto field kept as read, so that `toProto` gives back an equivalent model.
 */
export class IrModel {
  readonly journal = new Journal();
  readonly graph: Graph;
  private rest: ModelProto;
  private lastId = 0;
  private readonly byId = new Map<NodeId, { node: IrNode; graph: Graph }>();

  /** Builds the IR; validates graph structure (cycles, dangling values) unless told not to. */
  constructor(proto: ModelProto, options: { validate?: boolean } = {}) {
    const { graph, ...rest } = proto;
    this.rest = rest;
    if (!graph) throw new WorkbenchError('NO_GRAPH', 'the model has no graph');
    const ctx: GraphContext = {
      journal: this.journal,
      newNodeId: () => ++this.lastId,
      track: (node, g) => {
        if (g) this.byId.set(node.id, { node, graph: g });
        else this.byId.delete(node.id);
      },
    };
    this.graph = new Graph(graph, ctx);
    if (options.validate !== false) validateGraph(this.graph);
  }

  /** Model fields other than the graph (IR version, opsets, producer, functions, metadata...). */
  get meta(): Readonly<ModelProto> {
    return this.rest;
  }

  /** Opset version imported for a domain ('' and 'ai.onnx' are the same), if any. */
  opsetVersion(domain = ''): number | undefined {
    const want = domain === 'ai.onnx' ? '' : domain;
    const entry = this.rest.opsetImport?.find((o) => ((o.domain ?? '') === 'ai.onnx' ? '' : (o.domain ?? '')) === want);
    return entry?.version === undefined ? undefined : Number(entry.version);
  }

  /** Imports an operator set (journaled); a domain already imported keeps the higher version. */
  addOpsetImport(domain: string, version: number): void {
    const before = this.rest;
    const list = (before.opsetImport ?? []).filter((o) => (o.domain ?? '') !== domain);
    const have = this.opsetVersion(domain);
    const after = { ...before, opsetImport: [...list, { domain, version: Math.max(version, have ?? 0) }] };
    this.journal.record({
      kind: 'changeGraph',
      graph: this.graph.name,
      apply: () => (this.rest = after),
      revert: () => (this.rest = before),
    });
  }

  /** Replaces the model-local functions (journaled: undo puts the previous list back, the same objects). */
  setFunctions(functions: readonly FunctionProto[]): void {
    const before = this.rest;
    const { functions: _old, ...others } = before;
    const after: ModelProto = functions.length ? { ...others, functions: [...functions] } : others;
    this.journal.record({
      kind: 'changeGraph',
      graph: this.graph.name,
      apply: () => (this.rest = after),
      revert: () => (this.rest = before),
    });
  }

  /** Finds a node by id in the main graph or any subgraph. */
  findNode(id: NodeId): { node: IrNode; graph: Graph } | undefined {
    return this.byId.get(id);
  }

  /** The model as a ModelProto (what gets encoded and saved). */
  toProto(): ModelProto {
    return { ...this.rest, graph: this.graph.toProto() };
  }
}

/** Every graph of the model: the main graph, then subgraphs depth-first. */
export function* allGraphs(graph: Graph): Generator<Graph> {
  yield graph;
  for (const n of graph.subgraphNodes) for (const s of n.subgraphs) yield* allGraphs(s.graph);
}
