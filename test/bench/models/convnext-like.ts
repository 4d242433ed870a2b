// A small ConvNeXt-like CNN as torch.onnx exports the reference implementation (opset 17):
// a 4×4 stride-4 stem, blocks of depthwise Conv 7×7 → Transpose to channels-last → LayerNorm →
// pointwise Linear (MatMul of the transposed weight + Add bias, as the dynamo exporter writes it;
// the biases zero, as an untrained torchvision ConvNeXt has them) → GELU (erf form) → Linear →
// layer-scale Mul → Transpose back → residual Add, and downsampling layers whose LayerNorm is
// written out over the channel axis (channels-first: ReduceMean over axis 1, the affine part as
// [C,1,1] constants) before a 2×2 stride-2 Conv. Head: mean over H and W → LayerNorm → Gemm.
// The channels-last LayerNorm is LayerNormalization (torch at opset 17) or, with `decomposed`,
// written out as older exports do; `torchvision` switches to torchvision's layout. Input
// [batch, 3, height, width], all three symbolic.

import { attrFloat, graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';
import { gelu, layerNorm, linearTransposed } from './transformer-layer.js';

export interface ConvNextShape {
  dims: readonly number[];
  depths: readonly number[];
  classes: number;
  /** The channels-last LayerNorm written out (ReduceMean ... Add) rather than LayerNormalization. */
  decomposed: boolean;
  /** The pointwise Linears' bias value (torchvision initializes them to zero); random when undefined. */
  linearBias?: number;
  /**
   * torchvision's layout instead of the reference one: the layer scale [C,1,1] applied after the
   * permute back, and the channels-first LayerNorm as permute → LayerNormalization → permute.
   */
  torchvision?: boolean;
}

// The last stage's Linear weights (384 × 1536 floats) are over the optimizer's 1 MiB fold limit.
export const CONVNEXT_SHAPE: ConvNextShape = { dims: [48, 96, 192, 384], depths: [2, 2, 4, 2], classes: 100, decomposed: false, linearBias: 0 };

/** LayerNorm over the channel axis of [N, C, H, W], as the reference ConvNeXt writes it by hand (or torchvision's LayerNorm2d). */
function channelsFirstLayerNorm(w: GraphWriter, p: string, x: string, c: number, torchvision = false): string {
  if (torchvision) {
    const normed = channelsLastLayerNorm(w, p, w.op('Transpose', [x], { perm: [0, 2, 3, 1] }), c, false);
    return w.op('Transpose', [normed], { perm: [0, 3, 1, 2] });
  }
  const mean = w.op('ReduceMean', [x], { axes: [1], keepdims: 1 });
  const diff = w.op('Sub', [x, mean]);
  const variance = w.op('ReduceMean', [w.op('Pow', [diff, w.scalar(2)])], { axes: [1], keepdims: 1 });
  const normed = w.op('Div', [diff, w.op('Sqrt', [w.op('Add', [variance, w.scalar(1e-6)])])]);
  // weight[:, None, None] * x + bias[:, None, None]: the Unsqueezes already folded by the exporter.
  const gamma = w.weight(`${p}.weight`, [c, 1, 1], 0.1, 1);
  const beta = w.weight(`${p}.bias`, [c, 1, 1], 0.02);
  return w.op('Add', [w.op('Mul', [gamma, normed]), beta]);
}

function channelsLastLayerNorm(w: GraphWriter, p: string, x: string, c: number, decomposed: boolean): string {
  if (decomposed) return layerNorm(w, p, x, c);
  const gamma = w.weight(`${p}.weight`, [c], 0.1, 1);
  const beta = w.weight(`${p}.bias`, [c], 0.02);
  return w.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: attrFloat(1e-6) });
}

function conv(w: GraphWriter, p: string, x: string, cin: number, cout: number, k: number, stride: number, group = 1): string {
  const weight = w.weight(`${p}.weight`, [cout, cin / group, k, k], Math.sqrt(3 / ((cin / group) * k * k)));
  const bias = w.weight(`${p}.bias`, [cout], 0.02);
  const pad = stride === 1 ? (k - 1) / 2 : 0;
  return w.op('Conv', [x, weight, bias], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group }, `${p}/Conv`);
}

function block(w: GraphWriter, p: string, x: string, c: number, s: ConvNextShape): string {
  const dw = conv(w, `${p}.dwconv`, x, c, c, 7, 1, c);
  const nhwc = w.op('Transpose', [dw], { perm: [0, 2, 3, 1] });
  const normed = channelsLastLayerNorm(w, `${p}.norm`, nhwc, c, s.decomposed);
  const up = gelu(w, linearTransposed(w, `${p}.pwconv1`, normed, c, 4 * c, s.linearBias));
  const down = linearTransposed(w, `${p}.pwconv2`, up, 4 * c, c, s.linearBias);
  if (s.torchvision) {
    const nchw = w.op('Transpose', [down], { perm: [0, 3, 1, 2] });
    return w.op('Add', [w.op('Mul', [w.weight(`${p}.layer_scale`, [c, 1, 1], 0.1, 0.3), nchw]), x]);
  }
  const scaled = w.op('Mul', [w.weight(`${p}.gamma`, [c], 0.1, 0.3), down]);
  const nchw = w.op('Transpose', [scaled], { perm: [0, 3, 1, 2] });
  return w.op('Add', [x, nchw]);
}

export function convnextLike(s: ConvNextShape = CONVNEXT_SHAPE, seed = 5): ModelProto {
  const w = new GraphWriter(seed);
  let h = channelsFirstLayerNorm(w, 'downsample_layers.0.1', conv(w, 'downsample_layers.0.0', 'input', 3, s.dims[0]!, 4, 4), s.dims[0]!, s.torchvision);
  s.dims.forEach((c, stage) => {
    if (stage > 0) {
      const normed = channelsFirstLayerNorm(w, `downsample_layers.${stage}.0`, h, s.dims[stage - 1]!, s.torchvision);
      h = conv(w, `downsample_layers.${stage}.1`, normed, s.dims[stage - 1]!, c, 2, 2);
    }
    for (let b = 0; b < s.depths[stage]!; b++) h = block(w, `stages.${stage}.${b}`, h, c, s);
  });
  const last = s.dims[s.dims.length - 1]!;
  const pooled = w.op('ReduceMean', [h], { axes: [-2, -1], keepdims: 0 });
  const normed = channelsLastLayerNorm(w, 'norm', pooled, last, s.decomposed);
  const W = w.weight('head.weight', [s.classes, last], 1 / Math.sqrt(last));
  w.op('Gemm', [normed, W, w.weight('head.bias', [s.classes], 0.02)], { alpha: attrFloat(1), beta: attrFloat(1), transB: 1 }, 'head/Gemm');
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'convnext_like',
      nodes: w.nodes,
      inputs: [valueInfo('input', ElemType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', s.classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
