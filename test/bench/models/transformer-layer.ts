// One transformer encoder layer, written op by op as torch.onnx exports a PyTorch one (opset 17):
// MatMul + Add projections, heads split by Reshape / Transpose with a target shape built from
// Shape → Gather → Unsqueeze → Concat, scaled dot-product attention with Softmax, LayerNorm
// decomposed into ReduceMean / Sub / Pow / ReduceMean / Add / Sqrt / Div / Mul / Add, GELU in its
// erf form, residual Adds, and the clutter exporters leave (Identity, Dropout, no-op Cast,
// a fresh Constant for every literal, the attention scale computed from constants). Activations
// are [batch, seq, hidden].

import { ElemType } from '../../../shared/onnx/element-types.js';
import type { GraphWriter } from './graph-writer.js';

export interface LayerShape {
  hidden: number;
  heads: number;
  ffn: number;
}

/** `x.size(axis)` as a 1-element int64 tensor (Shape → Gather → Unsqueeze), as torch exports it for a view. */
function sizeOf(w: GraphWriter, x: string, axis: number): string {
  const shape = w.op('Shape', [x]);
  const dim = w.op('Gather', [shape, w.constant(ElemType.INT64, [], [axis])], { axis: 0 });
  return w.op('Unsqueeze', [dim, w.ints([0])]);
}

/** `x.view(batch, seq, ...rest)` with batch and seq read from `like` at run time. */
function viewAs(w: GraphWriter, x: string, like: string, rest: readonly number[]): string {
  const parts = [sizeOf(w, like, 0), sizeOf(w, like, 1), ...rest.map((r) => w.ints([r]))];
  return w.op('Reshape', [x, w.op('Concat', parts, { axis: 0 })]);
}

/** `x @ W + b`. */
export function linear(w: GraphWriter, p: string, x: string, din: number, dout: number): string {
  const W = w.weight(`${p}.weight`, [din, dout], 1 / Math.sqrt(din));
  const b = w.weight(`${p}.bias`, [dout], 0.02);
  return w.op('Add', [w.op('MatMul', [x, W], {}, `${p}/MatMul`), b], {}, `${p}/Add`);
}

/**
 * `x @ Wᵀ + b` with W stored [dout, din] and transposed in the graph, as torch.onnx's dynamo
 * exporter writes Linear on inputs of rank 3 or more (its own folding leaves large weights be).
 * `bias`: the bias's values, or random ones.
 */
export function linearTransposed(w: GraphWriter, p: string, x: string, din: number, dout: number, bias?: number): string {
  const W = w.op('Transpose', [w.weight(`${p}.weight`, [dout, din], 1 / Math.sqrt(din))], { perm: [1, 0] });
  const b = bias === undefined ? w.weight(`${p}.bias`, [dout], 0.02) : w.weight(`${p}.bias`, [dout], 0, bias);
  return w.op('Add', [w.op('MatMul', [x, W], {}, `${p}/MatMul`), b], {}, `${p}/Add`);
}

/** LayerNorm over the last axis, decomposed as torch exports it below opset 17's LayerNormalization. */
export function layerNorm(w: GraphWriter, p: string, x: string, hidden: number): string {
  const mean = w.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const diff = w.op('Sub', [x, mean]);
  const sq = w.op('Pow', [diff, w.scalar(2)]);
  const variance = w.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 });
  const std = w.op('Sqrt', [w.op('Add', [variance, w.scalar(1e-5)])]);
  const normed = w.op('Div', [diff, std]);
  const gamma = w.weight(`${p}.weight`, [hidden], 0.1, 1);
  const beta = w.weight(`${p}.bias`, [hidden], 0.02);
  return w.op('Add', [w.op('Mul', [normed, gamma]), beta]);
}

/** GELU as `x * 0.5 * (1 + erf(x / sqrt(2)))`. */
export function gelu(w: GraphWriter, x: string): string {
  const e = w.op('Erf', [w.op('Div', [x, w.scalar(Math.SQRT2)])]);
  return w.op('Mul', [w.op('Mul', [x, w.op('Add', [e, w.scalar(1)])]), w.scalar(0.5)]);
}

/** Dropout in inference: an identity, with the ratio as a Constant input. */
function dropout(w: GraphWriter, x: string): string {
  return w.op('Dropout', [x, w.scalar(0.1)]);
}

/**
 * One post-norm encoder layer (BERT's). `mask`, when given, is an additive attention mask
 * broadcastable to [batch, heads, seq, seq].
 */
export function encoderLayer(w: GraphWriter, p: string, x: string, s: LayerShape, mask?: string): string {
  const dh = s.hidden / s.heads;
  // A no-op Cast, as exporters leave after type promotion.
  const h = w.op('Cast', [x], { to: ElemType.FLOAT });
  const q = linear(w, `${p}.attention.self.query`, h, s.hidden, s.hidden);
  const k = linear(w, `${p}.attention.self.key`, h, s.hidden, s.hidden);
  const v = linear(w, `${p}.attention.self.value`, h, s.hidden, s.hidden);
  const heads = (t: string, perm: number[]) => w.op('Transpose', [viewAs(w, t, h, [s.heads, dh])], { perm });
  const qh = heads(q, [0, 2, 1, 3]);
  const kt = heads(k, [0, 2, 3, 1]);
  const vh = heads(v, [0, 2, 1, 3]);
  // The scale computed in the graph (torch.sqrt of a tensor), as some exporters leave it: folding's work.
  const scale = w.op('Sqrt', [w.op('Cast', [w.constant(ElemType.INT64, [], [dh])], { to: ElemType.FLOAT })]);
  let scores = w.op('Div', [w.op('MatMul', [qh, kt]), scale]);
  if (mask) scores = w.op('Add', [scores, mask]);
  const probs = dropout(w, w.op('Softmax', [scores], { axis: -1 }));
  const ctx = w.op('Transpose', [w.op('MatMul', [probs, vh])], { perm: [0, 2, 1, 3] });
  const merged = viewAs(w, ctx, h, [s.hidden]);
  const attn = dropout(w, linear(w, `${p}.attention.output.dense`, merged, s.hidden, s.hidden));
  const n1 = layerNorm(w, `${p}.attention.output.LayerNorm`, w.op('Add', [attn, h]), s.hidden);
  const up = gelu(w, linear(w, `${p}.intermediate.dense`, n1, s.hidden, s.ffn));
  const down = dropout(w, linear(w, `${p}.output.dense`, up, s.ffn, s.hidden));
  const n2 = layerNorm(w, `${p}.output.LayerNorm`, w.op('Add', [down, n1]), s.hidden);
  return w.op('Identity', [n2]);
}
