import { attrInt, attrInts } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import type { PassContext } from '../../rewrite/pass.js';
import { op, type InputPattern, type Match, type OpPattern } from '../../rewrite/pattern.js';
import type { Dim } from '../../rewrite/value-facts.js';

// The exporter's multi-head attention, written from the merged-heads Reshape back to the
// projections. Exporters differ in where they put the 1/√D scale (on the scores, on Q, or split
// between Q and K as torch's scaled_dot_product_attention does), in how K gets transposed (one
// Transpose [0,2,3,1], or [0,2,1,3] then [0,1,3,2]), and in whether a mask is added and the
// projections have a bias. Each combination is one tree pattern; they share capture names.

/** Which optional pieces one pattern has. */
export interface AttentionVariant {
  readonly bias: boolean;
  readonly kTwoTransposes: boolean;
  readonly scaleQ: boolean;
  readonly scaleK: boolean;
  readonly scaleScores: boolean;
  readonly mask: boolean;
}

function scaled(inner: InputPattern, name: string, on: boolean): InputPattern {
  return on ? op(['Mul', 'Div'], [inner, `const:${name}`], { as: `${name}_op`, commutative: true }) : inner;
}

function splitHeads(branch: 'q' | 'k' | 'v', bias: boolean): OpPattern {
  const projected = bias ? op('Add', [branch, `const:${branch}_bias`], { as: `${branch}_add`, commutative: true }) : branch;
  return op('Reshape', [projected, `const:${branch}_shape`], { as: `${branch}_reshape` });
}

/** The pattern of one variant. */
export function attentionPattern(v: AttentionVariant): OpPattern {
  const q = scaled(op('Transpose', [splitHeads('q', v.bias)], { as: 'q_transpose' }), 'q_scale', v.scaleQ);
  const kHeads = op('Transpose', [splitHeads('k', v.bias)], { as: 'k_transpose' });
  const kT = scaled(v.kTwoTransposes ? op('Transpose', [kHeads], { as: 'k_transpose2' }) : kHeads, 'k_scale', v.scaleK);
  const scores = scaled(op('MatMul', [q, kT], { as: 'qk' }), 's_scale', v.scaleScores);
  const logits = v.mask ? op('Add', [scores, 'mask'], { as: 'mask_add', commutative: true }) : scores;
  const probs = op('Softmax', [logits], { as: 'softmax' });
  const context = op('MatMul', [probs, op('Transpose', [splitHeads('v', v.bias)], { as: 'v_transpose' })], { as: 'pv' });
  return op('Reshape', [op('Transpose', [context], { as: 'out_transpose' }), 'const:out_shape'], { as: 'out_reshape' });
}

/** Every variant, those with more pieces first (a bias that cannot be absorbed still leaves the bias-less variant). */
export function attentionVariants(): AttentionVariant[] {
  const out: AttentionVariant[] = [];
  for (const bias of [true, false])
    for (const mask of [true, false])
      for (const kTwoTransposes of [false, true])
        for (const scaleScores of [true, false])
          for (const scaleQ of [true, false])
            for (const scaleK of [false, true]) out.push({ bias, mask, kTwoTransposes, scaleScores, scaleQ, scaleK });
  return out;
}

const sameList = (a: readonly number[] | undefined, b: readonly number[]): boolean =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether every Transpose of the match moves axes as the pattern needs (perm is required: the default reverses all axes). */
export function transposesFit(m: Match): boolean {
  const perm = (name: string) => attrInts(m.nodes[name]!, 'perm');
  const heads = [0, 2, 1, 3];
  if (!sameList(perm('q_transpose'), heads) || !sameList(perm('v_transpose'), heads) || !sameList(perm('out_transpose'), heads)) return false;
  if (m.nodes.k_transpose2) return sameList(perm('k_transpose'), heads) && sameList(perm('k_transpose2'), [0, 1, 3, 2]);
  return sameList(perm('k_transpose'), [0, 2, 3, 1]);
}

/** Softmax over the last axis of the rank-4 scores. Before opset 13 the default axis is 1, so it must be explicit. */
export function softmaxOnLastAxis(node: IrNode, ctx: PassContext): boolean {
  const fallback = (ctx.opset('') ?? 0) >= 13 ? -1 : 1;
  const axis = attrInt(node, 'axis', fallback);
  return axis === -1 || axis === 3;
}

// A Reshape's target entry for a leading dimension that must stay `d`: copied (0), inferred (-1,
// which the element count then fixes to `d` since the other entries are pinned), or `d` itself.
function keepsDim(entry: number, d: Dim): boolean {
  return entry === 0 || entry === -1 || (typeof d === 'number' && entry === d);
}

function reshapeTarget(ctx: PassContext, node: IrNode, value: string | undefined): number[] | undefined {
  const shape = value === undefined ? undefined : ctx.facts.numbers(ctx.graph, value);
  if (!shape || shape.filter((x) => x === -1).length > 1 || shape.some((x) => x < -1)) return undefined;
  // With allowzero a 0 is an empty dimension, not a copy.
  if (attrInt(node, 'allowzero', 0) !== 0 && shape.includes(0)) return undefined;
  return shape;
}

/**
 * Heads and head size of a [B, S, H] → [B, S, N, D] Reshape, or undefined when the target does
 * not keep B and S or does not split exactly the last dimension.
 */
export function headSplit(ctx: PassContext, node: IrNode, shapeValue: string | undefined, input: readonly Dim[]): { n: number; d: number } | undefined {
  const c = reshapeTarget(ctx, node, shapeValue);
  const [b, s, h] = input;
  if (!c || c.length !== 4 || input.length !== 3 || typeof h !== 'number') return undefined;
  if (!keepsDim(c[0]!, b!) || !keepsDim(c[1]!, s!)) return undefined;
  let n = c[2]!;
  let d = c[3]!;
  if (n === -1 && d > 0 && h % d === 0) n = h / d;
  else if (d === -1 && n > 0 && h % n === 0) d = h / n;
  return n > 0 && d > 0 && n * d === h ? { n, d } : undefined;
}

/** Whether a [B, S, N, D] → [B, S, N·D] Reshape target merges exactly the heads. */
export function mergesHeads(ctx: PassContext, node: IrNode, shapeValue: string | undefined, b: Dim, s: Dim, hidden: number): boolean {
  const c = reshapeTarget(ctx, node, shapeValue);
  if (!c || c.length !== 3 || !keepsDim(c[0]!, b) || !keepsDim(c[1]!, s)) return false;
  // A -1 in front pins nothing unless the last entry is given.
  return c[2] === hidden || (c[2] === -1 && c[0] !== -1 && c[1] !== -1);
}
