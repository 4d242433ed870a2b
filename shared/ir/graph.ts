import type { AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto-types.js';
import type { Journal, NodeId } from './journal.js';
import { IrNode, type SubgraphRef } from './node.js';
import { orderNodes } from './topo-order.js';

/** What a graph needs from the model it belongs to. */
export interface GraphContext {
  readonly journal: Journal;
  newNodeId(): NodeId;
  /** Registers a node so that model-wide lookups by id find it. */
  track(node: IrNode, graph: Graph | undefined): void;
}

/** A node to create: the NodeProto fields that matter to a rewrite. */
export interface NodeSpec {
  opType: string;
  domain?: string;
  name?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly AttributeProto[];
}

function subgraphsOf(proto: NodeProto, make: (g: GraphProto) => Graph): SubgraphRef[] {
  const refs: SubgraphRef[] = [];
  for (const a of proto.attribute ?? []) {
    if (a.g) refs.push({ attribute: a.name ?? '', graph: make(a.g) });
    a.graphs?.forEach((g, index) => refs.push({ attribute: a.name ?? '', index, graph: make(g) }));
  }
  return refs;
}

/**
 * A graph of the IR: nodes with stable ids, producers and consumers of every value,
 * initializers, inputs and outputs, and the subgraphs of its nodes. All edits go through the
 * methods below, which record themselves in the model's journal.
 */
export class Graph {
  private readonly nodeMap = new Map<NodeId, IrNode>();
  /** Each node's place in the order; a removed node keeps it, so undo can put it back there. */
  private readonly orderKey = new Map<IrNode, number>();
  private nextKey = 0;
  /** Set when a node was put back out of order; `nodes` re-sorts once, not once per node. */
  private unsorted = false;
  private readonly producerOf = new Map<string, IrNode>();
  private readonly consumersOf = new Map<string, Set<IrNode>>();
  private readonly inits = new Map<string, TensorProto>();
  /** Initializers' places in the written order, kept the same way as the nodes' (see orderKey). */
  private readonly initKey = new Map<string, number>();
  private nextInitKey = 0;
  private initsUnsorted = false;
  private readonly valueInfos = new Map<string, ValueInfoProto>();
  /** Outer values each subgraph-holding node reads, valid while the journal is at `outerRefsVersion`. */
  private readonly outerRefsByNode = new Map<IrNode, Set<string>>();
  private outerRefsVersion = -1;
  /** Attached nodes that hold subgraphs: few or none, so finding subgraph readers need not walk every node after each edit. */
  private readonly subgraphHolders = new Set<IrNode>();
  /** Fields of the GraphProto other than nodes and initializers, kept as read. */
  private proto: GraphProto;

  constructor(
    proto: GraphProto,
    private readonly ctx: GraphContext,
    /** The graph whose values this one may read (for subgraphs), if any. */
    readonly parent?: Graph,
  ) {
    const { node: _n, initializer, ...rest } = proto;
    this.proto = rest;
    for (const t of initializer ?? []) this.putInit(t.name ?? '', t, this.nextInitKey++);
    for (const vi of proto.valueInfo ?? []) this.valueInfos.set(vi.name ?? '', vi);
    for (const np of proto.node ?? []) {
      const id = ctx.newNodeId();
      // A copy: edits assign into node.proto, and must not reach the caller's ModelProto.
      this.attach(new IrNode(id, { ...np }, [id], subgraphsOf(np, (g) => new Graph(g, ctx, this))));
    }
  }

  get name(): string {
    return this.proto.name ?? '';
  }

  /** Nodes in their current order (file order, with added nodes after). */
  get nodes(): IterableIterator<IrNode> {
    if (this.unsorted) this.sortNodes();
    return this.nodeMap.values();
  }

  private sortNodes(): void {
    const sorted = [...this.nodeMap.values()].sort((a, b) => this.orderKey.get(a)! - this.orderKey.get(b)!);
    this.nodeMap.clear();
    for (const n of sorted) this.nodeMap.set(n.id, n);
    this.unsorted = false;
  }

  get nodeCount(): number {
    return this.nodeMap.size;
  }

  node(id: NodeId): IrNode | undefined {
    return this.nodeMap.get(id);
  }

  get inputs(): readonly ValueInfoProto[] {
    return this.proto.input ?? [];
  }

  get outputs(): readonly ValueInfoProto[] {
    return this.proto.output ?? [];
  }

  get initializers(): ReadonlyMap<string, TensorProto> {
    if (this.initsUnsorted) {
      const sorted = [...this.inits].sort(([a], [b]) => this.initKey.get(a)! - this.initKey.get(b)!);
      this.inits.clear();
      for (const [name, t] of sorted) this.inits.set(name, t);
      this.initsUnsorted = false;
    }
    return this.inits;
  }

  private dropInit(name: string): void {
    this.inits.delete(name);
    this.initKey.delete(name);
  }

  private putInit(name: string, tensor: TensorProto, key: number): void {
    if (key < this.nextInitKey - 1) this.initsUnsorted = true;
    this.inits.set(name, tensor);
    this.initKey.set(name, key);
  }

  /** The GraphProto fields this IR does not model (doc string, annotations, sparse initializers...). */
  get extra(): Readonly<GraphProto> {
    return this.proto;
  }

  valueInfo(name: string): ValueInfoProto | undefined {
    return this.valueInfos.get(name);
  }

  producer(value: string): IrNode | undefined {
    return this.producerOf.get(value);
  }

  /** Nodes of this graph that read `value` as an input (each once, however many of its inputs do). */
  consumers(value: string): ReadonlySet<IrNode> {
    return this.consumersOf.get(value) ?? new Set();
  }

  /** Nodes of this graph that hold subgraphs, in node order (found without walking every node). */
  get subgraphNodes(): IrNode[] {
    if (this.subgraphHolders.size === 0) return [];
    if (this.unsorted) this.sortNodes();
    return [...this.subgraphHolders].sort((a, b) => this.orderKey.get(a)! - this.orderKey.get(b)!);
  }

  /** Nodes of this graph whose subgraphs read `value` from this graph (an If branch using it). */
  subgraphReaders(value: string): IrNode[] {
    if (this.subgraphHolders.size === 0) return [];
    if (this.outerRefsVersion !== this.ctx.journal.version) {
      this.outerRefsByNode.clear();
      for (const n of this.subgraphHolders) {
        const refs = new Set<string>();
        for (const s of n.subgraphs) for (const v of s.graph.outerReferences()) refs.add(v);
        this.outerRefsByNode.set(n, refs);
      }
      this.outerRefsVersion = this.ctx.journal.version;
    }
    const readers: IrNode[] = [];
    for (const [n, refs] of this.outerRefsByNode) if (refs.has(value)) readers.push(n);
    return readers;
  }

  /** Whether anything besides `except` reads `value`: other nodes, subgraphs, or the graph's outputs. */
  usedOutside(value: string, except: ReadonlySet<IrNode>): boolean {
    if (this.isGraphOutput(value)) return true;
    for (const c of this.consumers(value)) if (!except.has(c)) return true;
    return this.subgraphReaders(value).some((n) => !except.has(n));
  }

  isGraphOutput(value: string): boolean {
    return this.outputs.some((o) => o.name === value);
  }

  isGraphInput(value: string): boolean {
    return this.inputs.some((i) => i.name === value);
  }

  /** Whether `value` is defined in this graph: a node output, graph input, or (sparse) initializer. */
  defines(value: string): boolean {
    return (
      this.producerOf.has(value) ||
      this.inits.has(value) ||
      this.isGraphInput(value) ||
      (this.proto.sparseInitializer ?? []).some((s) => s.values?.name === value)
    );
  }

  /** Whether `value` is visible here: defined in this graph or in an enclosing one. */
  sees(value: string): boolean {
    return this.defines(value) || (this.parent?.sees(value) ?? false);
  }

  /** Values read here (including by nested subgraphs) that no graph at this level or below defines. */
  outerReferences(): Set<string> {
    const refs = new Set<string>();
    for (const n of this.nodeMap.values()) {
      for (const v of n.inputs) if (v !== '' && !this.defines(v)) refs.add(v);
      for (const s of n.subgraphs) for (const v of s.graph.outerReferences()) if (!this.defines(v)) refs.add(v);
    }
    for (const o of this.outputs) if (o.name && !this.defines(o.name)) refs.add(o.name);
    return refs;
  }

  /** Adds a new node at the end, or puts a removed one back at its old place. */
  private attach(node: IrNode): void {
    const key = this.orderKey.get(node);
    if (key === undefined) this.orderKey.set(node, this.nextKey++);
    else if (key < this.nextKey - 1) this.unsorted = true;
    this.nodeMap.set(node.id, node);
    if (node.subgraphs.length) this.subgraphHolders.add(node);
    trackTree(this.ctx, node, this);
    this.index(node);
  }

  private detach(node: IrNode): void {
    this.nodeMap.delete(node.id);
    this.subgraphHolders.delete(node);
    trackTree(this.ctx, node, undefined);
    this.unindex(node);
  }

  private index(node: IrNode): void {
    for (const v of node.outputs) if (v !== '') this.producerOf.set(v, node);
    for (const v of node.inputs) if (v !== '') this.addConsumer(v, node);
  }

  private unindex(node: IrNode): void {
    for (const v of node.outputs) if (this.producerOf.get(v) === node) this.producerOf.delete(v);
    for (const v of node.inputs) this.consumersOf.get(v)?.delete(node);
  }

  private addConsumer(value: string, node: IrNode): void {
    let set = this.consumersOf.get(value);
    if (!set) this.consumersOf.set(value, (set = new Set()));
    set.add(node);
  }

  // Only the indexes: the node keeps its place in the order, so an edit and its undo do not move it.
  private reindex(node: IrNode, mutate: () => void): void {
    this.unindex(node);
    mutate();
    this.index(node);
  }

  // ---- mutations (journaled) ----

  /**
   * Adds a node; its provenance is the union of `derivedFrom`'s (or itself when none). Given
   * `placeOf` (a node it replaces), it takes that node's place in the order instead of the end.
   */
  addNode(spec: NodeSpec, derivedFrom: readonly IrNode[] = [], placeOf?: IrNode): IrNode {
    const proto: NodeProto = { input: [...spec.inputs], output: [...spec.outputs], opType: spec.opType };
    if (spec.name !== undefined) proto.name = spec.name;
    if (spec.domain !== undefined && spec.domain !== '') proto.domain = spec.domain;
    if (spec.attributes?.length) proto.attribute = [...spec.attributes];
    const id = this.ctx.newNodeId();
    const origins = derivedFrom.length ? [...new Set(derivedFrom.flatMap((n) => n.origins))].sort((a, b) => a - b) : [id];
    const node = new IrNode(id, proto, origins, subgraphsOf(proto, (g) => new Graph(g, this.ctx, this)));
    const place = placeOf && this.orderKey.get(placeOf);
    if (place !== undefined) this.orderKey.set(node, place);
    this.ctx.journal.record({
      kind: 'addNode',
      graph: this.name,
      nodeId: id,
      apply: () => this.attach(node),
      revert: () => this.detach(node),
    });
    return node;
  }

  removeNode(node: IrNode): void {
    this.ctx.journal.record({
      kind: 'removeNode',
      graph: this.name,
      nodeId: node.id,
      apply: () => this.detach(node),
      revert: () => this.attach(node),
    });
  }

  /** Replaces `old` nodes with new ones that derive from them (a fusion or a rewrite). */
  replaceNodes(old: readonly IrNode[], specs: readonly NodeSpec[]): IrNode[] {
    return this.ctx.journal.transaction('replace nodes', () => {
      for (const n of old) this.removeNode(n);
      return specs.map((s) => this.addNode(s, old));
    });
  }

  private changeNode(node: IrNode, mutate: (p: NodeProto) => void): void {
    const before = { ...node.proto };
    let after: NodeProto | undefined;
    this.ctx.journal.record({
      kind: 'changeNode',
      graph: this.name,
      nodeId: node.id,
      apply: () =>
        this.reindex(node, () => {
          if (after) Object.assign(node.proto, after);
          else {
            const p = { ...node.proto, input: [...node.inputs], output: [...node.outputs], attribute: [...node.attributes] };
            mutate(p);
            after = p;
            Object.assign(node.proto, p);
          }
        }),
      revert: () =>
        this.reindex(node, () => {
          for (const k of Object.keys(node.proto)) if (!(k in before)) delete node.proto[k];
          Object.assign(node.proto, before);
        }),
    });
  }

  setInput(node: IrNode, index: number, value: string): void {
    this.changeNode(node, (p) => {
      p.input![index] = value;
    });
  }

  setOutput(node: IrNode, index: number, value: string): void {
    this.changeNode(node, (p) => {
      p.output![index] = value;
    });
  }

  /** Sets the node's whole input list (for example to drop trailing optional inputs). */
  setInputs(node: IrNode, values: readonly string[]): void {
    this.changeNode(node, (p) => {
      p.input = [...values];
    });
  }

  /** Adds or replaces (by name) an attribute. Graph-valued attributes are not edited this way. */
  setAttribute(node: IrNode, attr: AttributeProto): void {
    // toProto writes subgraphs from node.subgraphs, so a new graph value here would be dropped silently.
    if (attr.g || attr.graphs || node.subgraphs.some((s) => s.attribute === attr.name)) {
      throw new Error(`setAttribute cannot set graph attribute "${attr.name}" of node ${node.label}`);
    }
    this.changeNode(node, (p) => {
      const i = p.attribute!.findIndex((a) => a.name === attr.name);
      if (i >= 0) p.attribute![i] = attr;
      else p.attribute!.push(attr);
    });
  }

  removeAttribute(node: IrNode, name: string): void {
    this.changeNode(node, (p) => {
      p.attribute = p.attribute!.filter((a) => a.name !== name);
    });
  }

  rename(node: IrNode, name: string): void {
    this.changeNode(node, (p) => {
      p.name = name;
    });
  }

  /** Makes every reader of `from` (nodes, graph outputs, and subgraphs reading it) read `to` instead. */
  replaceAllUses(from: string, to: string): void {
    this.ctx.journal.transaction('replace uses', () => {
      for (const n of this.subgraphReaders(from)) {
        for (const s of n.subgraphs) if (!s.graph.defines(from)) s.graph.replaceAllUses(from, to);
      }
      for (const n of [...this.consumers(from)]) {
        this.changeNode(n, (p) => {
          p.input = p.input!.map((v) => (v === from ? to : v));
        });
      }
      if (this.isGraphOutput(from)) {
        this.setGraphOutputs(this.outputs.map((o) => (o.name === from ? { ...o, name: to } : o)));
      }
    });
  }

  private changeGraph(apply: () => void, revert: () => void): void {
    this.ctx.journal.record({ kind: 'changeGraph', graph: this.name, apply, revert });
  }

  private setProtoField<K extends 'input' | 'output' | 'valueInfo'>(key: K, value: GraphProto[K]): void {
    const before = this.proto[key];
    const set = (v: GraphProto[K]) => {
      this.proto = { ...this.proto, [key]: v };
      if (key === 'valueInfo') {
        this.valueInfos.clear();
        for (const vi of this.proto.valueInfo ?? []) this.valueInfos.set(vi.name ?? '', vi);
      }
    };
    this.changeGraph(
      () => set(value),
      () => set(before),
    );
  }

  setGraphInputs(inputs: readonly ValueInfoProto[]): void {
    this.setProtoField('input', [...inputs]);
  }

  setGraphOutputs(outputs: readonly ValueInfoProto[]): void {
    this.setProtoField('output', [...outputs]);
  }

  /** Adds or replaces the type/shape annotation of a value. */
  setValueInfo(vi: ValueInfoProto): void {
    this.setValueInfos([vi]);
  }

  /** Adds or replaces the annotations of many values as one change (linear in the graph, not per value). */
  setValueInfos(vis: readonly ValueInfoProto[]): void {
    const names = new Set(vis.map((v) => v.name));
    const list = (this.proto.valueInfo ?? []).filter((v) => !names.has(v.name));
    this.setProtoField('valueInfo', [...list, ...vis]);
  }

  /** Drops the type/shape annotations of these values (a renamed or removed value's). */
  removeValueInfos(names: Iterable<string>): void {
    const drop = new Set(names);
    const list = this.proto.valueInfo ?? [];
    if (list.some((v) => drop.has(v.name ?? ''))) this.setProtoField('valueInfo', list.filter((v) => !drop.has(v.name ?? '')));
  }

  addInitializer(tensor: TensorProto): void {
    const name = tensor.name ?? '';
    const before = this.inits.get(name);
    // Replacing keeps the tensor's place; a new name goes last.
    const key = this.initKey.get(name) ?? this.nextInitKey++;
    this.changeGraph(
      () => this.putInit(name, tensor, key),
      () => (before ? this.putInit(name, before, key) : this.dropInit(name)),
    );
  }

  removeInitializer(name: string): void {
    const before = this.inits.get(name);
    if (!before) return;
    // Undo puts it back at its old place in the written order.
    const key = this.initKey.get(name)!;
    this.changeGraph(
      () => this.dropInit(name),
      () => this.putInit(name, before, key),
    );
  }

  /** The graph as a GraphProto, nodes in topological order (file order where it already was). */
  toProto(): GraphProto {
    const out: GraphProto = { ...this.proto };
    const nodes = orderNodes(this);
    if (nodes.length) out.node = nodes.map(nodeToProto);
    if (this.inits.size) out.initializer = [...this.initializers.values()];
    return out;
  }
}

/** Registers (graph set) or unregisters a node and every node of its subgraphs, recursively. */
function trackTree(ctx: GraphContext, node: IrNode, graph: Graph | undefined): void {
  ctx.track(node, graph);
  for (const s of node.subgraphs) for (const n of s.graph.nodes) trackTree(ctx, n, graph ? s.graph : undefined);
}

// Copies: edits assign into node.proto, and must not change a ModelProto handed out earlier.
function nodeToProto(n: IrNode): NodeProto {
  if (n.subgraphs.length === 0) return { ...n.proto };
  const attribute = n.attributes.map((a) => {
    const subs = n.subgraphs.filter((s) => s.attribute === a.name);
    if (subs.length === 0) return a;
    const copy: AttributeProto = { ...a };
    for (const s of subs) {
      if (s.index === undefined) copy.g = s.graph.toProto();
      else (copy.graphs = [...(copy.graphs ?? a.graphs!)])[s.index] = s.graph.toProto();
    }
    return copy;
  });
  return { ...n.proto, attribute };
}
