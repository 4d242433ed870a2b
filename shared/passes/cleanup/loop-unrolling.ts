import { attr, ElemType, scalar, tensor } from '../../builder/index.js';
import { attrInt, attrInts } from '../../ir/attribute-values.js';
import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { GraphProto, NodeProto, TensorProto } from '../../onnx/proto-types.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { addInlinedNode, addPassThroughs, bypassPassThroughs, namesInGraph, renamed, renameNode } from './subgraph-inlining.js';

// A Loop with a constant trip count whose condition stays true, and a Scan over inputs of known
// length, run their body a known number of times: the body is copied once per iteration with its
// values renamed, carried values wired from one copy to the next, the iteration number a
// constant, and per-iteration outputs stacked with Unsqueeze + Concat. Each copy computes what
// the loop would have (the same ops on the same values), and the flat graph lets the other
// passes (folding, CSE, fusions) and onnxruntime's own optimizer see across iterations.

/** Most iterations unrolled: unrolling trades file size for speed. */
export const MAX_TRIPS = 64;
/** Most nodes the copies of one body may add in all (nested subgraphs' nodes count). */
export const MAX_UNROLLED_NODES = 2048;

/** What replaces a Loop or Scan: nodes and constants to add, and the value each of its outputs takes. */
interface Unrolled {
  nodes: NodeProto[];
  constants: TensorProto[];
  /** Per output of the node: a value to pass through, or undefined where a new node writes it. */
  outputs: (string | undefined)[];
}

/** Builds the copies; names come from the context so that none clashes. */
class Unroller {
  readonly nodes: NodeProto[] = [];
  readonly constants: TensorProto[] = [];
  private readonly shared = new Map<string, string>();

  constructor(
    private readonly ctx: PassContext,
    private readonly holder: IrNode,
    private readonly body: GraphProto,
  ) {}

  /** A constant, made once per key. */
  constant(key: string, make: (name: string) => TensorProto): string {
    let name = this.shared.get(key);
    if (!name) {
      name = this.ctx.freshName(`${this.holder.name || this.holder.opType}/${key}`);
      this.constants.push(make(name));
      this.shared.set(key, name);
    }
    return name;
  }

  /** Whether the body (or a graph nested in it) reads its input `k`. */
  reads(k: number): boolean {
    const names = new Set<string>();
    namesInGraph({ ...this.body, input: [], output: [] }, names);
    return names.has(this.body.input![k]!.name ?? '') || (this.body.output ?? []).some((o) => o.name === this.body.input![k]!.name);
  }

  /** One copy of the body reading `inputs` (a value per body input); returns its output values. */
  copy(iteration: number, inputs: readonly string[]): string[] {
    const map = new Map<string, string>();
    this.body.input!.forEach((vi, k) => map.set(vi.name ?? '', inputs[k]!));
    // Initializers do not change between iterations: one copy serves them all.
    for (const t of this.body.initializer ?? []) map.set(t.name ?? '', this.constant(`init/${t.name}`, (name) => ({ ...t, name })));
    for (const p of this.body.node ?? []) for (const v of p.output ?? []) if (v) map.set(v, this.ctx.freshName(`${v}_iter${iteration}`));
    // Node names must be unique in a graph: an unnamed body node is named by its place.
    (this.body.node ?? []).forEach((p, k) => {
      this.nodes.push({ ...renameNode(p, map), name: `${this.holder.name || this.holder.opType}/iter${iteration}/${p.name || `${p.opType}_${k}`}` });
    });
    return (this.body.output ?? []).map((o) => renamed(map, o.name ?? ''));
  }

  /** Stacks per-iteration values along a new axis `axis` into `output`. */
  stack(values: readonly string[], axis: number, output: string): void {
    const prefix = `${this.holder.name || this.holder.opType}/${output}`;
    const axes = (name: string) => tensor(name, ElemType.INT64, [1], [axis]);
    const unsqueezed = values.map((v, i) => {
      const out = values.length === 1 ? output : this.ctx.freshName(`${v}_unsqueezed`);
      const node: NodeProto =
        (this.ctx.opset('') ?? 0) >= 13
          ? { opType: 'Unsqueeze', name: `${prefix}/unsqueeze${i}`, input: [v, this.constant(`axes${axis}`, axes)], output: [out] }
          : { opType: 'Unsqueeze', name: `${prefix}/unsqueeze${i}`, input: [v], output: [out], attribute: [attr('axes', [axis])] };
      this.nodes.push(node);
      return out;
    });
    if (values.length > 1) this.nodes.push({ opType: 'Concat', name: `${prefix}/concat`, input: unsqueezed, output: [output], attribute: [attr('axis', axis)] });
  }
}

const bodyOf = (n: IrNode): Graph | undefined => n.subgraphs.find((s) => s.attribute === 'body')?.graph;

function nodeCount(g: GraphProto): number {
  let count = 0;
  for (const n of g.node ?? []) {
    count++;
    for (const a of n.attribute ?? []) for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) count += nodeCount(sub);
  }
  return count;
}

const fits = (trips: number, body: GraphProto) => trips >= 1 && trips <= MAX_TRIPS && trips * nodeCount(body) <= MAX_UNROLLED_NODES && !body.sparseInitializer?.length;

/** Whether the body's condition output is true in every iteration that starts with a true condition. */
function conditionStaysTrue(ctx: PassContext, body: Graph, proto: GraphProto): boolean {
  const condIn = proto.input![1]!.name;
  let v = proto.output![0]!.name ?? '';
  for (;;) {
    if (v === condIn) return true;
    const known = ctx.facts.numbers(body, v);
    if (known) return known.length === 1 && known[0] !== 0;
    const p = body.producer(v);
    if (p?.opType !== 'Identity') return false;
    v = p.inputs[0]!;
  }
}

function unrollLoop(ctx: PassContext, n: IrNode): Unrolled | undefined {
  const g = ctx.graph;
  const bodyGraph = bodyOf(n);
  if (!bodyGraph || !n.inputs[0]) return undefined;
  const trips = ctx.facts.numbers(g, n.inputs[0]);
  const cond = n.inputs[1] ? ctx.facts.numbers(g, n.inputs[1]) : [1];
  if (trips?.length !== 1 || cond?.length !== 1 || cond[0] === 0) return undefined;
  const body = bodyGraph.toProto();
  const carried = n.inputs.slice(2);
  const scanned = (body.output?.length ?? 0) - 1 - carried.length;
  if (body.input?.length !== 2 + carried.length || scanned < 0 || n.outputs.length !== carried.length + scanned) return undefined;
  if (carried.includes('') || !fits(trips[0]!, body) || !conditionStaysTrue(ctx, bodyGraph, body)) return undefined;
  const u = new Unroller(ctx, n, body);
  const condValue = u.reads(1) ? u.constant('true', (name) => scalar(name, ElemType.BOOL, true)) : '';
  const readsIteration = u.reads(0);
  let state = carried;
  const perIteration: string[][] = [];
  for (let i = 0; i < trips[0]!; i++) {
    const iteration = readsIteration ? u.constant(`iteration${i}`, (name) => scalar(name, ElemType.INT64, i)) : '';
    const outs = u.copy(i, [iteration, condValue, ...state]);
    state = outs.slice(1, 1 + carried.length);
    perIteration.push(outs.slice(1 + carried.length));
  }
  for (let k = 0; k < scanned; k++) {
    const out = n.outputs[carried.length + k]!;
    if (out !== '') u.stack(perIteration.map((o) => o[k]!), 0, out);
  }
  return { nodes: u.nodes, constants: u.constants, outputs: [...state, ...Array<undefined>(scanned).fill(undefined)] };
}

const normalize = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function unrollScan(ctx: PassContext, n: IrNode): Unrolled | undefined {
  const g = ctx.graph;
  const bodyGraph = bodyOf(n);
  // Scan-8 has a batch axis and sequence lengths: another op.
  if (!bodyGraph || (ctx.opset('') ?? 0) < 9) return undefined;
  const body = bodyGraph.toProto();
  const m = attrInt(n, 'num_scan_inputs') ?? 0;
  const stateCount = n.inputs.length - m;
  const k = n.outputs.length - stateCount;
  if (m < 1 || stateCount < 0 || k < 0 || body.input?.length !== n.inputs.length || body.output?.length !== n.outputs.length) return undefined;
  const inAxes = attrInts(n, 'scan_input_axes') ?? Array<number>(m).fill(0);
  const inDirs = attrInts(n, 'scan_input_directions') ?? Array<number>(m).fill(0);
  const outAxes = attrInts(n, 'scan_output_axes') ?? Array<number>(k).fill(0);
  const outDirs = attrInts(n, 'scan_output_directions') ?? Array<number>(k).fill(0);
  // The length is each scan input's extent along its axis: all must be known and equal.
  const scanned = n.inputs.slice(stateCount);
  let length: number | undefined;
  const axes: number[] = [];
  for (const [j, v] of scanned.entries()) {
    const shape = v ? ctx.facts.tensor(g, v)?.shape : undefined;
    if (!shape) return undefined;
    const axis = normalize(inAxes[j] ?? 0, shape.length);
    const extent = shape[axis];
    if (typeof extent !== 'number' || (length !== undefined && extent !== length)) return undefined;
    length = extent;
    axes.push(axis);
  }
  // Output axes count in the rank of a stacked output: one more than the body output's.
  const stackAxes: number[] = [];
  for (let j = 0; j < k; j++) {
    const axis = outAxes[j] ?? 0;
    const rank = ctx.facts.tensor(bodyGraph, body.output![stateCount + j]!.name ?? '')?.shape?.length;
    if (axis < 0 && rank === undefined) return undefined;
    stackAxes.push(normalize(axis, (rank ?? 0) + 1));
  }
  if (length === undefined || !fits(length, body) || n.inputs.slice(0, stateCount).includes('')) return undefined;
  const u = new Unroller(ctx, n, body);
  let state = n.inputs.slice(0, stateCount);
  const perIteration: string[][] = [];
  for (let t = 0; t < length; t++) {
    const elements = scanned.map((v, j) => {
      const index = inDirs[j] === 1 ? length - 1 - t : t;
      const out = ctx.freshName(`${v}_${index}`);
      const at = u.constant(`index${index}`, (name) => scalar(name, ElemType.INT64, index));
      u.nodes.push({ opType: 'Gather', name: `${n.name || 'Scan'}/iter${t}/gather${j}`, input: [v, at], output: [out], attribute: [attr('axis', axes[j]!)] });
      return out;
    });
    const outs = u.copy(t, [...state, ...elements]);
    state = outs.slice(0, stateCount);
    perIteration.push(outs.slice(stateCount));
  }
  for (let j = 0; j < k; j++) {
    const out = n.outputs[stateCount + j]!;
    const values = perIteration.map((o) => o[j]!);
    if (outDirs[j] === 1) values.reverse();
    if (out !== '') u.stack(values, stackAxes[j]!, out);
  }
  return { nodes: u.nodes, constants: u.constants, outputs: [...state, ...Array<undefined>(k).fill(undefined)] };
}

function apply(ctx: PassContext, n: IrNode, r: Unrolled): void {
  const g = ctx.graph;
  let passThroughs: IrNode[] = [];
  ctx.model.journal.transaction(`unroll ${n.opType}`, () => {
    g.removeNode(n);
    for (const t of r.constants) g.addInitializer(t);
    for (const p of r.nodes) addInlinedNode(g, p, n);
    passThroughs = addPassThroughs(g, n, r.outputs, n.opType);
  });
  bypassPassThroughs(ctx, passThroughs);
}

/** Unrolls Loops with a constant trip count and a condition that stays true, and Scans of known length. */
export const loopUnrolling: Pass = {
  name: 'loop-unrolling',
  description:
    `unrolls a Loop with a constant trip count whose condition stays true, and a Scan over inputs of known length, into a copy of the body per iteration (up to ${MAX_TRIPS} iterations and ${MAX_UNROLLED_NODES} nodes); not in the default preset (larger files)`,
  target: 'portable',
  requires: [],
  numerics: 'exact',
  run(ctx) {
    let count = 0;
    for (const n of [...ctx.graph.nodes]) {
      if ((n.opType !== 'Loop' && n.opType !== 'Scan') || !n.inDefaultDomain || !ctx.inScope([n])) continue;
      const r = n.opType === 'Loop' ? unrollLoop(ctx, n) : unrollScan(ctx, n);
      if (r) {
        apply(ctx, n, r);
        count++;
      }
    }
    return count;
  },
};
