// The Reshapes around multi-head attention, as pruning meets them: [B, S, H·D] split into heads
// [B, S, H, D], and [B, S, H, D] merged back. Removing heads changes H in the split's target shape
// and H·D in the merge's; both are literals in a shape tensor (an initializer, a Constant, or one
// part of a Concat that exporters build from Shape → Gather → Unsqueeze and constants). These
// helpers find the literal and rewrite it.

import { tensor } from '../builder/tensors.js';
import { attr } from '../builder/attributes.js';
import type { Graph } from '../ir/graph.js';
import { ElemType } from '../onnx/element-types.js';
import { constantOperand } from './constants.js';

/** Element `index` of a shape tensor held by the 1-D int constant `value` (an initializer or a Constant's output). */
export interface ShapeLiteral {
  value: string;
  index: number;
  literal: number;
}

/** What element `index` of the shape tensor `shape` is: a literal, or computed at run time; undefined when it cannot be told. */
export function shapeElement(graph: Graph, shape: string, index: number, lengthOf: (value: string) => number | undefined): ShapeLiteral | 'computed' | undefined {
  const c = constantOperand(graph, shape);
  if (c) {
    const v = c.values?.[index];
    return c.dims.length === 1 && v !== undefined ? { value: shape, index, literal: v } : undefined;
  }
  const p = graph.producer(shape);
  if (p?.opType !== 'Concat' || !p.inDefaultDomain) return 'computed';
  let at = 0;
  for (const part of p.inputs) {
    const n = lengthOf(part);
    if (n === undefined) return undefined;
    if (index < at + n) return shapeElement(graph, part, index - at, lengthOf);
    at += n;
  }
  return undefined;
}

/** A literal of a shape tensor that drops by `per` for each removed head. */
export interface ShapeEdit {
  value: string;
  index: number;
  per: number;
}

/** Lowers each edit's literal by `removed · per` (an initializer is replaced, a Constant's `value` set). */
export function applyShapeEdit(graph: Graph, e: ShapeEdit, removed: number): void {
  const init = graph.initializers.get(e.value);
  const c = constantOperand(graph, e.value);
  const t = init ?? graph.producer(e.value)?.attribute('value')?.t;
  if (!c?.values || !t || c.dims.length !== 1) throw new Error(`prune: shape constant '${e.value}' cannot be rewritten`);
  const values = [...c.values];
  values[e.index] = values[e.index]! - removed * e.per;
  const type = t.dataType === ElemType.INT32 ? ElemType.INT32 : ElemType.INT64;
  const next = tensor(e.value, type, c.dims, type === ElemType.INT64 ? values.map(BigInt) : values);
  if (init) graph.addInitializer(next);
  else graph.setAttribute(graph.producer(e.value)!, attr('value', { ...next, name: t.name ?? '' }));
}
