// A small ViT-like image classifier as torch.onnx exports the Hugging Face implementation
// (opset 17): a patch Conv → Reshape (flatten(2)) → Transpose to [batch, patches, hidden], the
// class token expanded to the batch and Concat'ed in front, position embeddings added, pre-norm
// encoder layers (LayerNorm → q/k/v Linears, written as MatMul of the transposed weight + Add as
// the dynamo exporter writes Linear on 3-D inputs → heads split by Reshape / Transpose, keys
// transposed again for QKᵀ, Softmax, context Transpose / Reshape back, output projection,
// residual Add, LayerNorm → MLP with GELU → residual Add), the final LayerNorm and a Gemm on the
// class token. LayerNorm written out (ReduceMean ... Add) as older exports do. Input
// [batch, 3, size, size] with a symbolic batch (the position embeddings fix the image size).

import { attrFloat, graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';
import { gelu, layerNorm, linearTransposed as linear } from './transformer-layer.js';

export interface VitShape {
  image: number;
  patch: number;
  hidden: number;
  heads: number;
  layers: number;
  classes: number;
}

// The MLP weights (288 × 1152 floats) are over the optimizer's 1 MiB fold limit.
export const VIT_SHAPE: VitShape = { image: 64, patch: 8, hidden: 288, heads: 6, layers: 4, classes: 100 };

/** `x.size(axis)` as a 1-element int64 tensor, as torch exports it for a view. */
function sizeOf(w: GraphWriter, x: string, axis: number): string {
  const dim = w.op('Gather', [w.op('Shape', [x]), w.constant(ElemType.INT64, [], [axis])], { axis: 0 });
  return w.op('Unsqueeze', [dim, w.ints([0])]);
}

function view(w: GraphWriter, x: string, like: string, rest: readonly number[]): string {
  const parts = [sizeOf(w, like, 0), sizeOf(w, like, 1), ...rest.map((r) => w.ints([r]))];
  return w.op('Reshape', [x, w.op('Concat', parts, { axis: 0 })]);
}

function layer(w: GraphWriter, p: string, x: string, s: VitShape): string {
  const dh = s.hidden / s.heads;
  const h = layerNorm(w, `${p}.layernorm_before`, x, s.hidden);
  const heads = (t: string) => w.op('Transpose', [view(w, t, h, [s.heads, dh])], { perm: [0, 2, 1, 3] });
  const q = heads(linear(w, `${p}.attention.attention.query`, h, s.hidden, s.hidden));
  const k = heads(linear(w, `${p}.attention.attention.key`, h, s.hidden, s.hidden));
  const v = heads(linear(w, `${p}.attention.attention.value`, h, s.hidden, s.hidden));
  // key_layer.transpose(-1, -2) on the already permuted keys.
  const kt = w.op('Transpose', [k], { perm: [0, 1, 3, 2] });
  const scores = w.op('Div', [w.op('MatMul', [q, kt]), w.scalar(Math.sqrt(dh))]);
  const probs = w.op('Softmax', [scores], { axis: -1 });
  const ctx = w.op('Transpose', [w.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
  const merged = view(w, ctx, h, [s.hidden]);
  const attn = linear(w, `${p}.attention.output.dense`, merged, s.hidden, s.hidden);
  const r1 = w.op('Add', [attn, x]);
  const n2 = layerNorm(w, `${p}.layernorm_after`, r1, s.hidden);
  const mlp = linear(w, `${p}.output.dense`, gelu(w, linear(w, `${p}.intermediate.dense`, n2, s.hidden, 4 * s.hidden)), 4 * s.hidden, s.hidden);
  return w.op('Add', [mlp, r1]);
}

export function vitLike(s: VitShape = VIT_SHAPE, seed = 7): ModelProto {
  const w = new GraphWriter(seed);
  const patches = (s.image / s.patch) ** 2;
  const weight = w.weight('embeddings.patch_embeddings.projection.weight', [s.hidden, 3, s.patch, s.patch], Math.sqrt(3 / (3 * s.patch * s.patch)));
  const bias = w.weight('embeddings.patch_embeddings.projection.bias', [s.hidden], 0.02);
  const conv = w.op('Conv', ['pixel_values', weight, bias], { kernel_shape: [s.patch, s.patch], strides: [s.patch, s.patch], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
  // .flatten(2).transpose(1, 2); flatten from dim 2 is a Reshape in torch's export.
  const tokens = w.op('Transpose', [w.op('Reshape', [conv, w.ints([0, s.hidden, -1])])], { perm: [0, 2, 1] });
  // cls_token.expand(batch_size, -1, -1)
  const cls = w.weight('embeddings.cls_token', [1, 1, s.hidden], 0.02);
  const batch = sizeOf(w, 'pixel_values', 0);
  const target = w.op('Concat', [batch, w.ints([-1]), w.ints([-1])], { axis: 0 });
  // Expand treats -1 as a size: torch writes Where(Equal(target, -1), ones, target) before it.
  const fixed = w.op('Where', [w.op('Equal', [target, w.ints([-1, -1, -1])]), w.ints([1, 1, 1]), target]);
  const clsTokens = w.op('Expand', [cls, fixed]);
  let h = w.op('Concat', [clsTokens, tokens], { axis: 1 });
  h = w.op('Add', [h, w.weight('embeddings.position_embeddings', [1, patches + 1, s.hidden], 0.02)]);
  for (let i = 0; i < s.layers; i++) h = layer(w, `encoder.layer.${i}`, h, s);
  const normed = layerNorm(w, 'layernorm', h, s.hidden);
  const first = w.op('Gather', [normed, w.constant(ElemType.INT64, [], [0])], { axis: 1 });
  const W = w.weight('classifier.weight', [s.classes, s.hidden], 1 / Math.sqrt(s.hidden));
  w.op('Gemm', [first, W, w.weight('classifier.bias', [s.classes], 0.02)], { alpha: attrFloat(1), beta: attrFloat(1), transB: 1 }, 'classifier/Gemm');
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'vit_like',
      nodes: w.nodes,
      inputs: [valueInfo('pixel_values', ElemType.FLOAT, ['batch', 3, s.image, s.image])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', s.classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
