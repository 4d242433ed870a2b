import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { orderNodes } from '../ir/topo-order.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { Known } from './known-values.js';
import { NodeContext } from './node-context.js';
import { ruleFor } from './registry.js';
import type { SubgraphResult } from './rule.js';
import { Scope } from './scope.js';
import { mergeDeclared, tensorOf, typeFromProto, type ValueType } from './types.js';

// Shape and type inference over a whole model: one topological pass per graph, each node's rule
// reading the types (and known values) of its inputs. Subgraphs are inferred when their node's
// rule asks (with the formal inputs it computes), with outer values visible; subgraphs of nodes
// no rule handles are still inferred from their declared inputs, so values inside get types.

/** What inference may be told beyond the model. */
export interface InferOptions {
  /** Sizes for symbolic dims of the main graph's inputs (dim_param name → size). */
  inputDims?: Readonly<Record<string, number>>;
  /**
   * Values of main-graph inputs known to the caller (for example the inputs of a verification
   * run): used like initializers by data propagation, so shapes computed from them are exact.
   */
  inputValues?: Readonly<Record<string, TensorProto>>;
  /**
   * Types of main-graph inputs that replace the declared ones (the concrete shapes of a run's
   * inputs, or a sequence input's item types).
   */
  inputTypes?: Readonly<Record<string, ValueType>>;
}

/** An operator inference has no rule for, and how many nodes use it. */
export interface UnhandledOp {
  domain: string;
  opType: string;
  count: number;
}

/** A node whose rule found its inputs invalid (its outputs are left unknown). */
export interface NodeFailure {
  graph: Graph;
  node: IrNode;
  message: string;
}

/** A value whose declared type (value_info, graph output) contradicts the inferred one. */
export interface TypeConflict {
  graph: Graph;
  value: string;
  message: string;
}

/** The result of inferShapes. */
export interface ShapeInference {
  /** The inferred type of a value as seen from `graph` (enclosing graphs' values are visible). */
  typeOf(graph: Graph, value: string): ValueType | undefined;
  /** The statically known contents of a small value (shape data, constants), if any. */
  valueOf(graph: Graph, value: string): Known | undefined;
  readonly unhandled: readonly UnhandledOp[];
  readonly failures: readonly NodeFailure[];
  readonly conflicts: readonly TypeConflict[];
}

class Engine {
  readonly scopes = new Map<Graph, Scope>();
  readonly unhandled = new Map<string, UnhandledOp>();
  // Keyed by node: a loop body is inferred more than once, but each node is reported once.
  readonly failures = new Map<IrNode, NodeFailure>();
  readonly conflicts = new Map<string, TypeConflict>();
  private readonly counted = new Set<IrNode>();
  private readonly opsets = new Map<string, number>();
  /** Subgraphs inferred while the current node's rule ran. */
  private touched = new Set<Graph>();
  /** > 0 while inferring subgraphs no rule asked for. */
  private quiet = 0;

  constructor(
    private readonly model: IrModel,
    private readonly options: InferOptions,
  ) {}

  private opset(domain: string): number {
    let v = this.opsets.get(domain);
    if (v === undefined) {
      v = this.model.opsetVersion(domain) ?? 1;
      this.opsets.set(domain, v);
    }
    return v;
  }

  inferGraph(
    graph: Graph,
    parent: Scope | undefined,
    inputs?: readonly (ValueType | undefined)[],
    values?: readonly (Known | undefined)[],
  ): Scope {
    const isMain = parent === undefined;
    const scope = new Scope(graph, parent, isMain ? this.options.inputValues : undefined);
    this.scopes.set(graph, scope);
    const overrides = isMain ? this.options.inputTypes : undefined;
    graph.inputs.forEach((vi, i) => {
      const name = vi.name ?? '';
      const declared =
        overrides && Object.hasOwn(overrides, name) ? overrides[name] : typeFromProto(vi.type, isMain ? this.options.inputDims : undefined);
      // A subgraph's formal inputs: what the node's rule passes, completed by the declaration.
      const given = inputs?.[i];
      let t = given ? mergeDeclared(given, declared).type : declared;
      const init = t ? undefined : graph.initializers.get(name);
      if (init) t = tensorOf(init.dataType ?? 0, (init.dims ?? []).map(Number));
      scope.setType(name, t);
      const v = values?.[i];
      if (v) scope.setValue(name, v);
    });
    const declaredOutputs = new Map<string, ValueType | undefined>();
    for (const o of graph.outputs) if (o.name && o.type) declaredOutputs.set(o.name, typeFromProto(o.type));
    for (const node of orderNodes(graph)) this.inferNode(node, scope, declaredOutputs);
    return scope;
  }

  private inferNode(node: IrNode, scope: Scope, declaredOutputs: ReadonlyMap<string, ValueType | undefined>): void {
    const graph = scope.graph;
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    const rule = ruleFor(domain, node.opType);
    const ctx = new NodeContext(node, this.opset(domain), scope, this.subgraph);
    let outs: readonly (ValueType | undefined)[] = [];
    const outer = this.touched;
    if (node.subgraphs.length) this.touched = new Set();
    if (!rule) this.noteUnhandled(node, domain);
    else {
      try {
        outs = rule(ctx);
      } catch (e) {
        if (!this.quiet && !this.failures.has(node)) {
          this.failures.set(node, { graph, node, message: `${node.label}: ${e instanceof Error ? e.message : String(e)}` });
        }
        outs = [];
        ctx.outValues.length = 0;
      }
    }
    // Subgraphs the rule did not infer (an unknown op's, an If's untaken branch) still get types,
    // but what goes wrong there (dead code, unknown formal inputs) is not reported.
    for (const s of node.subgraphs) {
      if (this.touched.has(s.graph)) continue;
      this.quiet++;
      this.inferGraph(s.graph, scope);
      this.quiet--;
    }
    this.touched = outer;
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      let t = outs[i];
      const vi = graph.valueInfo(name);
      const declared = vi?.type ? typeFromProto(vi.type) : declaredOutputs.get(name);
      if (declared) {
        const m = mergeDeclared(t, declared);
        const key = `${node.id}:${i}`;
        if (m.conflict && !this.quiet && !this.conflicts.has(key)) {
          this.conflicts.set(key, { graph, value: name, message: `${node.label} output "${name}": ${m.conflict}` });
        }
        t = m.type;
      }
      scope.setType(name, t);
      const v = ctx.outValues[i];
      if (v) scope.setValue(name, v);
    });
  }

  private noteUnhandled(node: IrNode, domain: string): void {
    if (this.counted.has(node)) return;
    this.counted.add(node);
    const key = `${domain}:${node.opType}`;
    const u = this.unhandled.get(key);
    if (u) u.count++;
    else this.unhandled.set(key, { domain, opType: node.opType, count: 1 });
  }

  private readonly subgraph = (
    node: IrNode,
    attr: string,
    inputs: readonly (ValueType | undefined)[],
    values: readonly (Known | undefined)[] | undefined,
  ): SubgraphResult => {
    const ref = node.subgraphs.find((s) => s.attribute === attr);
    if (!ref) return { types: [], values: [] };
    const parent = this.scopes.get(ref.graph.parent!);
    const scope = this.inferGraph(ref.graph, parent, inputs, values);
    this.touched.add(ref.graph);
    return {
      types: ref.graph.outputs.map((o) => scope.typeOf(o.name ?? '')),
      values: ref.graph.outputs.map((o) => scope.valueOf(o.name ?? '')),
    };
  };
}

/**
 * Infers the element type and (symbolic) shape of every value in the model and its subgraphs.
 * Never throws on a valid model: nodes it cannot handle get unknown outputs and are reported.
 */
export function inferShapes(model: IrModel, options: InferOptions = {}): ShapeInference {
  const engine = new Engine(model, options);
  engine.inferGraph(model.graph, undefined);
  const scopes = engine.scopes;
  return {
    typeOf: (graph, value) => scopes.get(graph)?.typeOf(value),
    valueOf: (graph, value) => scopes.get(graph)?.valueOf(value),
    unhandled: [...engine.unhandled.values()],
    failures: [...engine.failures.values()],
    conflicts: [...engine.conflicts.values()],
  };
}
