// Which outputs of a model are computed through float16 or bfloat16 values. onnxruntime rounds
// such values to their type in places that depend on the graph's structure (see the
// `float16-rounding` level in tolerance.ts), so a correct rewrite moves these outputs by a few of
// that type's ulps, while outputs computed in float32 throughout keep to float32's bounds.

import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { orderNodes } from '../ir/topo-order.js';
import { ElemType } from '../onnx/element-types.js';
import { inferShapes } from '../shape/index.js';

/** A float16/bfloat16 value some node computes on an output's path. */
export interface LowPrecisionValue {
  elemType: typeof ElemType.FLOAT16 | typeof ElemType.BFLOAT16;
  /** The value, and the node that computes it (its label: name or id, and op type). */
  value: string;
  node: string;
}

// Fewer bits round more coarsely: bfloat16's is the one to report where both occur.
const SIGNIFICAND_BITS: ReadonlyMap<number, number> = new Map([
  [ElemType.FLOAT16, 11],
  [ElemType.BFLOAT16, 8],
]);

function coarser(a: LowPrecisionValue | undefined, b: LowPrecisionValue | undefined): LowPrecisionValue | undefined {
  if (!a || !b) return a ?? b;
  return SIGNIFICAND_BITS.get(b.elemType)! < SIGNIFICAND_BITS.get(a.elemType)! ? b : a;
}

type ElemTypeOf = (graph: Graph, value: string) => number | undefined;
type Lookup = (value: string) => LowPrecisionValue | undefined;

/**
 * Per value of `graph`, the coarsest float16/bfloat16 value computed on its path (itself or
 * upstream, inside subgraphs of the nodes on it too). Only values nodes compute count: a float16
 * initializer or input cast to float32 is exact, and inputs of the graph are what the run is given.
 */
function lowPrecisionCones(graph: Graph, typeOf: ElemTypeOf, outer: Lookup): Map<string, LowPrecisionValue | undefined> {
  const cones = new Map<string, LowPrecisionValue | undefined>();
  const look: Lookup = (v) => (cones.has(v) ? cones.get(v) : outer(v));
  const own = (g: Graph, n: IrNode): LowPrecisionValue | undefined => {
    let hit: LowPrecisionValue | undefined;
    for (const out of n.outputs) {
      const t = out ? typeOf(g, out) : undefined;
      if (t === ElemType.FLOAT16 || t === ElemType.BFLOAT16) hit = coarser(hit, { elemType: t, value: out, node: n.label });
    }
    return hit;
  };
  // Topological order, one step per node: deep graphs (thousands of layers) need no recursion.
  for (const n of orderNodes(graph)) {
    let hit = own(graph, n);
    for (const v of n.inputs) if (v) hit = coarser(hit, look(v));
    for (const s of n.subgraphs) {
      for (const v of s.graph.outerReferences()) hit = coarser(hit, look(v));
      for (const v of lowPrecisionCones(s.graph, typeOf, look).values()) hit = coarser(hit, v);
    }
    for (const out of n.outputs) if (out) cones.set(out, hit);
  }
  return cones;
}

/**
 * For every output of the model's main graph, in order: the coarsest float16/bfloat16 value
 * computed on its path, or undefined where it is computed in wider types throughout. Types come
 * from shape inference, then from the model's declarations; values of unknown type count as wide
 * (never loosening a check on a guess).
 */
export function lowPrecisionOutputs(model: IrModel): Map<string, LowPrecisionValue | undefined> {
  const inference = inferShapes(model);
  const typeOf: ElemTypeOf = (g, v) => {
    const t = inference.typeOf(g, v);
    if (t?.kind === 'tensor') return t.elemType;
    return t ? undefined : g.valueInfo(v)?.type?.tensorType?.elemType;
  };
  const cones = lowPrecisionCones(model.graph, typeOf, () => undefined);
  return new Map(model.graph.outputs.map((o) => [o.name ?? '', cones.get(o.name ?? '')]));
}
