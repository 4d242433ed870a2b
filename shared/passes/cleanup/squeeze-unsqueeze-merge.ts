import { attrs, attrInts, tensor } from '../../builder/index.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass, type Replacement } from '../../rewrite/pattern-pass.js';
import { op, type Match } from '../../rewrite/pattern.js';
import { intOperand, normalizeAxes, rankOf } from './int-operands.js';

// Axes are an attribute before opset 13 and an input from 13 on. Unsqueeze's axes count in its
// output's rank, Squeeze's in its input's; negative ones need that rank, which comes from x's.

function axesOf(ctx: PassContext, n: IrNode): bigint[] | undefined {
  const a = intOperand(ctx, n, 'axes', 1);
  return Array.isArray(a) ? a : undefined;
}

/** The `k`-th position (from 0) not in `taken`. */
function nthFree(taken: ReadonlySet<number>, k: number): number {
  for (let p = 0; ; p++) if (!taken.has(p) && k-- === 0) return p;
}

/** A Squeeze/Unsqueeze like `like` (attribute or input axes, as it had them) with the given axes. */
function withAxes(m: Match, ctx: PassContext, like: IrNode, axes: number[]): Replacement {
  const sorted = [...axes].sort((a, b) => a - b);
  const spec = { opType: like.opType, name: like.name, outputs: [m.root.outputs[0]!] };
  if (like.attribute('axes')) return { nodes: [{ ...spec, inputs: [m.values.x!], attributes: attrs({ axes: attrInts(sorted) }) }] };
  const name = ctx.addConstant(tensor(`${like.name || like.opType.toLowerCase()}_axes`, ElemType.INT64, [sorted.length], sorted));
  return { nodes: [{ ...spec, inputs: [m.values.x!, name] }] };
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v) => b.includes(v));
}

// Unsqueeze(Unsqueeze(x, a1), a2): a2 holds final positions; a1's new dims land on the free
// positions left between them, in order.
function unsqueezeTwice(m: Match, ctx: PassContext): Replacement | undefined {
  const a1 = axesOf(ctx, m.nodes.inner!);
  const a2 = axesOf(ctx, m.root);
  const r = rankOf(ctx, m.values.x!);
  if (!a1 || !a2) return undefined;
  const n1 = normalizeAxes(a1, r === undefined ? undefined : r + a1.length);
  const n2 = normalizeAxes(a2, r === undefined ? undefined : r + a1.length + a2.length);
  if (!n1 || !n2) return undefined;
  const taken = new Set(n2);
  return withAxes(m, ctx, m.root, [...n2, ...n1.map((j) => nthFree(taken, j))]);
}

// Squeeze(Squeeze(x, a1), a2): a1 holds positions in x; a2's dims are the inner output's, which
// are x's dims left after a1, in order.
function squeezeTwice(m: Match, ctx: PassContext): Replacement | undefined {
  const a1 = axesOf(ctx, m.nodes.inner!);
  const a2 = axesOf(ctx, m.root);
  // No axes (or none listed, which onnxruntime reads the same way) squeezes every 1: unknown here.
  if (!a1?.length || !a2?.length) return undefined;
  const r = rankOf(ctx, m.values.x!);
  const n1 = normalizeAxes(a1, r);
  const n2 = normalizeAxes(a2, r === undefined ? undefined : r - a1.length);
  if (!n1 || !n2) return undefined;
  const taken = new Set(n1);
  return withAxes(m, ctx, m.root, [...n1, ...n2.map((k) => nthFree(taken, k))]);
}

// Squeeze(Unsqueeze(x, a), b) and Unsqueeze(Squeeze(x, a), b) are x when a and b name the same
// dims of the tensor in the middle (rank r + |a|, or r when the sizes match); the squeezed dims
// are 1, inserted by the Unsqueeze or checked by the Squeeze.
function cancelling(m: Match, ctx: PassContext): Replacement | undefined {
  const a = axesOf(ctx, m.nodes.inner!);
  const b = axesOf(ctx, m.root);
  if (!a?.length || !b?.length || a.length !== b.length) return undefined;
  // The same list counts in the same rank on both sides: no need to know it.
  if (sameSet(a.map(Number), b.map(Number))) return { nodes: [], aliases: { [m.root.outputs[0]!]: m.values.x! } };
  const r = rankOf(ctx, m.values.x!);
  const middleRank = r === undefined ? undefined : m.root.opType === 'Squeeze' ? r + a.length : r;
  const na = normalizeAxes(a, middleRank);
  const nb = normalizeAxes(b, middleRank);
  if (!na || !nb || !sameSet(na, nb)) return undefined;
  return { nodes: [], aliases: { [m.root.outputs[0]!]: m.values.x! } };
}

/** Merges Unsqueeze∘Unsqueeze and Squeeze∘Squeeze into one node, and removes Squeeze∘Unsqueeze pairs that cancel. */
export const squeezeUnsqueezeMerge = patternPass({
  name: 'squeeze-unsqueeze-merge',
  description: 'merges Unsqueeze(Unsqueeze) and Squeeze(Squeeze) into one node with combined axes, and removes Squeeze/Unsqueeze pairs on the same axes',
  target: 'portable',
  numerics: 'exact',
  repeat: true,
  rules: [
    { pattern: op('Unsqueeze', [op('Unsqueeze', ['x', 'a1?'], { as: 'inner' }), 'a2?'], { as: 'outer' }), rewrite: unsqueezeTwice },
    { pattern: op('Squeeze', [op('Squeeze', ['x', 'a1?'], { as: 'inner' }), 'a2?'], { as: 'outer' }), rewrite: squeezeTwice },
    { pattern: op('Squeeze', [op('Unsqueeze', ['x', 'a1?'], { as: 'inner' }), 'a2?'], { as: 'outer' }), rewrite: cancelling },
    { pattern: op('Unsqueeze', [op('Squeeze', ['x', 'a1?'], { as: 'inner' }), 'a2?'], { as: 'outer' }), rewrite: cancelling },
  ],
});
