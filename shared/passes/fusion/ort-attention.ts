import { attr, attrFloat, tensor } from '../../builder/index.js';
import type { NodeSpec } from '../../ir/graph.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import type { Match } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import type { Dim } from '../../rewrite/value-facts.js';
import {
  attentionPattern,
  attentionVariants,
  headSplit,
  mergesHeads,
  softmaxOnLastAxis,
  transposesFit,
} from './ort-attention-pattern.js';
import { floatConstant } from './float-constants.js';
import { sameDim } from './ort-dims.js';
import { scaleFactor } from './ort-scalars.js';

/** What the rewrite needs, worked out (and fully checked) by the guard. */
interface AttentionPlan {
  numHeads: number;
  /** The scale to set, or undefined when it is MultiHeadAttention's default 1/√D. */
  scale: number | undefined;
  /** Q, K and V biases concatenated, when the projections' bias Adds are absorbed. */
  bias: Float32Array | undefined;
  /** The additive mask, and the [S, T] to expand it to when it broadcasts over the query axis. */
  mask: { value: string; expandTo: [number, number] | undefined } | undefined;
}

// MultiHeadAttention's CPU kernel takes float only; Q, K and V must be [B, S, hidden] (its packed
// QKV/KV forms are not implemented on CPU, so the separate form is the one that runs everywhere).
function projection(ctx: PassContext, value: string | undefined): Dim[] | undefined {
  const t = value ? ctx.facts.tensor(ctx.graph, value) : undefined;
  return t?.elemType === ElemType.FLOAT && t.shape?.length === 3 ? t.shape : undefined;
}

function totalScale(m: Match, ctx: PassContext): number | undefined {
  let scale = 1;
  for (const name of ['q_scale', 'k_scale', 's_scale']) {
    const node = m.nodes[`${name}_op`];
    if (!node) continue;
    // Scores, Q and K are all rank 4, so any single-element constant of rank ≤ 4 is a plain scalar.
    const f = scaleFactor(ctx, node, m.values[name], 4);
    if (f === undefined) return undefined;
    scale *= f;
  }
  return Number.isFinite(scale) && scale !== 0 ? scale : undefined;
}

function concatBias(ctx: PassContext, m: Match, hidden: readonly number[]): Float32Array | undefined {
  const parts = (['q', 'k', 'v'] as const).map((b) => floatConstant(ctx, m.values[`${b}_bias`]));
  if (parts.some((p, i) => !p || p.elemType !== ElemType.FLOAT || p.dims.length !== 1 || p.dims[0] !== hidden[i])) return undefined;
  return Float32Array.from(parts.flatMap((p) => Array.from(p!.data)));
}

// MultiHeadAttention's attention_bias must be [B or 1, N or 1, S, T]. The mask as added may be of
// lower rank or broadcast over S ([B, 1, 1, T] is BERT's); then it is expanded, which needs S and T.
function maskPlan(ctx: PassContext, mask: string, want: readonly Dim[]): AttentionPlan['mask'] | null {
  const t = ctx.facts.tensor(ctx.graph, mask);
  if (!t || t.elemType !== ElemType.FLOAT || !t.shape || t.shape.length > 4) return null;
  const aligned: Dim[] = [...Array<Dim>(4 - t.shape.length).fill(1), ...t.shape];
  // Each dimension must broadcast into the scores, never the scores into the mask.
  if (!aligned.every((d, i) => d === 1 || sameDim(d, want[i]))) return null;
  if (t.shape.length === 4 && sameDim(aligned[2], want[2]) && sameDim(aligned[3], want[3])) return { value: mask, expandTo: undefined };
  const [s, tt] = [want[2], want[3]];
  return typeof s === 'number' && typeof tt === 'number' ? { value: mask, expandTo: [s, tt] } : null;
}

function plan(m: Match, ctx: PassContext): AttentionPlan | undefined {
  const n = m.nodes;
  if (!transposesFit(m) || !softmaxOnLastAxis(n.softmax!, ctx)) return undefined;
  const [q, k, v] = [projection(ctx, m.values.q), projection(ctx, m.values.k), projection(ctx, m.values.v)];
  if (!q || !k || !v) return undefined;
  // One batch; K and V of one length T (self- or cross-attention: S may differ from T).
  if (!sameDim(q[0], k[0]) || !sameDim(k[0], v[0]) || !sameDim(k[1], v[1])) return undefined;
  const qh = headSplit(ctx, n.q_reshape!, m.values.q_shape, q);
  const kh = headSplit(ctx, n.k_reshape!, m.values.k_shape, k);
  const vh = headSplit(ctx, n.v_reshape!, m.values.v_shape, v);
  // One head count for all three (a single shared K or V head would broadcast in MatMul, which MultiHeadAttention cannot express).
  if (!qh || !kh || !vh || qh.n !== kh.n || kh.n !== vh.n || qh.d !== kh.d) return undefined;
  if (!mergesHeads(ctx, n.out_reshape!, m.values.out_shape, q[0]!, q[1]!, vh.n * vh.d)) return undefined;
  const scale = totalScale(m, ctx);
  if (scale === undefined) return undefined;
  let bias: Float32Array | undefined;
  if (n.q_add) {
    bias = concatBias(ctx, m, [q[2], k[2], v[2]] as number[]);
    if (!bias) return undefined;
  }
  let mask: AttentionPlan['mask'];
  if (n.mask_add) {
    const p = maskPlan(ctx, m.values.mask!, [q[0]!, qh.n, q[1]!, k[1]!]);
    if (!p) return undefined;
    mask = p;
  }
  // Leave the default when it is the scale the graph computes (to float32 precision).
  const isDefault = Math.abs(scale * Math.sqrt(qh.d) - 1) < 1e-6;
  return { numHeads: qh.n, scale: isDefault ? undefined : scale, bias, mask };
}

/** The output of an existing Expand of `mask` to the constant shape `target`, if there is one. */
function expansionOf(ctx: PassContext, mask: string, target: readonly number[]): string | undefined {
  for (const n of ctx.graph.consumers(mask)) {
    if (n.opType !== 'Expand' || !n.inDefaultDomain || n.inputs[0] !== mask) continue;
    const shape = ctx.facts.numbers(ctx.graph, n.inputs[1] ?? '');
    if (shape && shape.length === target.length && shape.every((d, i) => d === target[i])) return n.outputs[0];
  }
  return undefined;
}

function rewrite(m: Match, ctx: PassContext): { nodes: NodeSpec[] } {
  const p = plan(m, ctx)!;
  // The fused node takes the root's name (free once it is removed); ORT refuses repeated node names, so no made-up ones.
  const name = m.root.name || undefined;
  const nodes: NodeSpec[] = [];
  let bias = '';
  if (p.bias) bias = ctx.addConstant(tensor(`${name ?? 'attention'}_qkv_bias`, ElemType.FLOAT, [p.bias.length], p.bias));
  let mask = '';
  if (p.mask) {
    mask = p.mask.value;
    if (p.mask.expandTo) {
      const target = [1, 1, ...p.mask.expandTo];
      // Every layer of an encoder adds the same mask: the first fused layer's Expand serves the others.
      const earlier = expansionOf(ctx, mask, target);
      if (earlier) mask = earlier;
      else {
        const shape = ctx.addConstant(tensor(`${name ?? 'attention'}_bias_shape`, ElemType.INT64, [4], target));
        const expanded = ctx.freshName(`${mask}_expanded`);
        nodes.push({ opType: 'Expand', inputs: [mask, shape], outputs: [expanded] });
        mask = expanded;
      }
    }
  }
  const inputs = [m.values.q!, m.values.k!, m.values.v!, bias, '', mask];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const attributes = [attr('num_heads', p.numHeads)];
  if (p.scale !== undefined) attributes.push(attr('scale', attrFloat(p.scale)));
  nodes.push({ opType: 'MultiHeadAttention', domain: 'com.microsoft', name, inputs, outputs: [m.root.outputs[0]!], attributes });
  return { nodes };
}

const rules: Rule[] = attentionVariants().map((variant) => ({
  pattern: attentionPattern(variant),
  guard: (m, ctx) => plan(m, ctx) !== undefined,
  rewrite,
}));

/** The exporter's multi-head attention block fused into com.microsoft MultiHeadAttention. */
export const ortFuseAttention = patternPass({
  name: 'ort-fuse-attention',
  description:
    'fuses the exported multi-head attention block (Q/K/V Reshape+Transpose, scaled Q·Kᵀ, optional additive mask, Softmax, ·V, ' +
    'merge heads) into com.microsoft MultiHeadAttention with separate Q/K/V and their biases packed; onnxruntime does not do ' +
    'this at session creation: its AttentionFusion (level ≥ extended) only catches BERT blocks fed by a LayerNormalization and ' +
    'emits Attention (1.30, checked, only made Q·Kᵀ·scale a FusedMatMul here), so this helps onnxruntime itself, tools that ' +
    'read the file, and profiles that show attention as one node',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 7,
  domains: { 'com.microsoft': 1 },
  rules,
});
