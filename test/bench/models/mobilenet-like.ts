// A MobileNetV3-small-like CNN as torch.onnx exports one (opset 17): inverted residual blocks
// (1×1 expand → BatchNormalization → Relu/HardSwish, depthwise k×k conv (group = channels) → BN →
// activation, squeeze-excitation GlobalAveragePool → 1×1 → Relu → 1×1 → HardSigmoid → Mul,
// 1×1 project → BN, residual Add), a last 1×1 conv → HardSwish, GlobalAveragePool and a
// Gemm → HardSwish → Gemm head. Input [batch, 3, height, width], non-channel dims symbolic.

import { attrFloat, graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';

/** torchvision's mobilenet_v3_small blocks: kernel, expanded channels, out channels, SE, HardSwish, stride. */
const BLOCKS: readonly [number, number, number, boolean, boolean, number][] = [
  [3, 16, 16, true, false, 2],
  [3, 72, 24, false, false, 2],
  [3, 88, 24, false, false, 1],
  [5, 96, 40, true, true, 2],
  [5, 240, 40, true, true, 1],
  [5, 240, 40, true, true, 1],
  [5, 120, 48, true, true, 1],
  [5, 144, 48, true, true, 1],
  [5, 288, 96, true, true, 2],
  [5, 576, 96, true, true, 1],
  [5, 576, 96, true, true, 1],
];

const divisible8 = (v: number) => Math.max(8, Math.floor((v + 4) / 8) * 8);

export function mobilenetLike(classes = 1000, seed = 6): ModelProto {
  const w = new GraphWriter(seed);
  let convs = 0;
  const convBn = (x: string, cin: number, cout: number, k: number, stride: number, group: number, act: 'relu' | 'hardswish' | 'none'): string => {
    const p = `features.${convs++}`;
    const weight = w.weight(`${p}.weight`, [cout, cin / group, k, k], Math.sqrt(6 / ((cin / group) * k * k)));
    const pad = (k - 1) / 2;
    const y = w.op('Conv', [x, weight], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group }, `${p}/Conv`);
    const bn = w.op(
      'BatchNormalization',
      [y, w.weight(`${p}.bn.weight`, [cout], 0.2, 1), w.weight(`${p}.bn.bias`, [cout], 0.1), w.weight(`${p}.bn.running_mean`, [cout], 0.1), w.weight(`${p}.bn.running_var`, [cout], 0.3, 1)],
      { epsilon: attrFloat(1e-3), momentum: attrFloat(0.99) },
      `${p}/BatchNormalization`,
    );
    return act === 'relu' ? w.op('Relu', [bn]) : act === 'hardswish' ? w.op('HardSwish', [bn]) : bn;
  };
  const se = (x: string, c: number): string => {
    const p = `se.${convs++}`;
    const squeeze = divisible8(c / 4);
    const pooled = w.op('GlobalAveragePool', [x]);
    const fc1 = w.op('Relu', [w.op('Conv', [pooled, w.weight(`${p}.fc1.weight`, [squeeze, c, 1, 1], Math.sqrt(6 / c)), w.weight(`${p}.fc1.bias`, [squeeze], 0.05)], { kernel_shape: [1, 1] })]);
    const fc2 = w.op('Conv', [fc1, w.weight(`${p}.fc2.weight`, [c, squeeze, 1, 1], Math.sqrt(6 / squeeze)), w.weight(`${p}.fc2.bias`, [c], 0.05)], { kernel_shape: [1, 1] });
    return w.op('Mul', [w.op('HardSigmoid', [fc2], { alpha: attrFloat(1 / 6), beta: attrFloat(0.5) }), x]);
  };

  let h = convBn('input', 3, 16, 3, 2, 1, 'hardswish');
  let cin = 16;
  for (const [k, exp, out, useSe, hs, stride] of BLOCKS) {
    const act = hs ? 'hardswish' : 'relu';
    let y = exp !== cin ? convBn(h, cin, exp, 1, 1, 1, act) : h;
    y = convBn(y, exp, exp, k, stride, exp, act);
    if (useSe) y = se(y, exp);
    y = convBn(y, exp, out, 1, 1, 1, 'none');
    h = stride === 1 && cin === out ? w.op('Add', [y, h]) : y;
    cin = out;
  }
  h = convBn(h, cin, 576, 1, 1, 1, 'hardswish');
  const pooled = w.op('Flatten', [w.op('GlobalAveragePool', [h])], { axis: 1 });
  const fc = w.op('HardSwish', [w.op('Gemm', [pooled, w.weight('classifier.0.weight', [1024, 576], Math.sqrt(6 / 576)), w.weight('classifier.0.bias', [1024], 0.05)], { transB: 1 })]);
  w.op('Gemm', [fc, w.weight('classifier.3.weight', [classes, 1024], 1 / 32), w.weight('classifier.3.bias', [classes], 0.02)], { transB: 1 });
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'mobilenet_like',
      nodes: w.nodes,
      inputs: [valueInfo('input', ElemType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
