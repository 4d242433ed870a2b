// An EfficientNet-like CNN as torchvision exports one (opset 17): MBConv blocks of a 1×1 expand
// Conv, a depthwise Conv and a 1×1 project Conv, each with BatchNormalization, SiLU written as
// Sigmoid + Mul, squeeze-and-excitation (GlobalAveragePool → Conv → SiLU → Conv → Sigmoid → Mul)
// and residual Adds; a Flatten + Gemm head. SiLU pairs are what onnxruntime fuses to QuickGelu.

import { attrFloat, graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';

export interface EfficientNetShape {
  /** Per stage: output channels, blocks, expansion ratio, kernel, first stride. */
  stages: readonly { channels: number; blocks: number; expand: number; kernel: number; stride: number }[];
  stem: number;
  classes: number;
}

export const EFFICIENTNET_SHAPE: EfficientNetShape = {
  stem: 16,
  stages: [
    { channels: 16, blocks: 1, expand: 1, kernel: 3, stride: 1 },
    { channels: 24, blocks: 2, expand: 4, kernel: 3, stride: 2 },
    { channels: 40, blocks: 2, expand: 4, kernel: 5, stride: 2 },
    { channels: 80, blocks: 3, expand: 4, kernel: 3, stride: 2 },
  ],
  classes: 100,
};

export function efficientnetLike(s: EfficientNetShape = EFFICIENTNET_SHAPE, seed = 5): ModelProto {
  const w = new GraphWriter(seed);
  let convs = 0;
  const silu = (x: string) => w.op('Mul', [x, w.op('Sigmoid', [x])]);
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, group: number, bias: boolean): string => {
    const p = `conv${convs++}`;
    const weight = w.weight(`${p}.weight`, [cout, cin / group, k, k], Math.sqrt(6 / ((cin / group) * k * k)));
    const pad = (k - 1) / 2;
    const inputs = bias ? [x, weight, w.weight(`${p}.bias`, [cout], 0.05)] : [x, weight];
    return w.op('Conv', inputs, { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group }, `${p}/Conv`);
  };
  const convBn = (x: string, cin: number, cout: number, k: number, stride: number, group: number): string => {
    const y = conv(x, cin, cout, k, stride, group, false);
    const p = `bn${convs}`;
    return w.op(
      'BatchNormalization',
      [y, w.weight(`${p}.weight`, [cout], 0.2, 1), w.weight(`${p}.bias`, [cout], 0.1), w.weight(`${p}.running_mean`, [cout], 0.1), w.weight(`${p}.running_var`, [cout], 0.3, 1)],
      { epsilon: attrFloat(1e-3), momentum: attrFloat(0.99) },
    );
  };

  let h = silu(convBn('input', 3, s.stem, 3, 2, 1));
  let cin = s.stem;
  for (const stage of s.stages) {
    for (let b = 0; b < stage.blocks; b++) {
      const stride = b === 0 ? stage.stride : 1;
      const mid = cin * stage.expand;
      let x = stage.expand === 1 ? h : silu(convBn(h, cin, mid, 1, 1, 1));
      x = silu(convBn(x, mid, mid, stage.kernel, stride, mid));
      const squeeze = Math.max(1, Math.floor(cin / 4));
      const gate = w.op('Sigmoid', [conv(silu(conv(w.op('GlobalAveragePool', [x]), mid, squeeze, 1, 1, 1, true)), squeeze, mid, 1, 1, 1, true)]);
      x = convBn(w.op('Mul', [x, gate]), mid, stage.channels, 1, 1, 1);
      h = stride === 1 && cin === stage.channels ? w.op('Add', [x, h]) : x;
      cin = stage.channels;
    }
  }
  const head = silu(convBn(h, cin, 4 * cin, 1, 1, 1));
  const pooled = w.op('Flatten', [w.op('GlobalAveragePool', [head])], { axis: 1 });
  w.op('Gemm', [pooled, w.weight('fc.weight', [s.classes, 4 * cin], 1 / Math.sqrt(4 * cin)), w.weight('fc.bias', [s.classes], 0.02)], { transB: 1 });
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'efficientnet_like',
      nodes: w.nodes,
      inputs: [valueInfo('input', ElemType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', s.classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
