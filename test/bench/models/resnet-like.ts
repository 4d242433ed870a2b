// A ResNet-like CNN as exporters write one (opset 17): Conv + BatchNormalization + Relu blocks
// with residual Adds and 1×1 projection shortcuts, some convolutions preceded by an explicit Pad
// (as TensorFlow-converted models have), MaxPool, GlobalAveragePool, Flatten and a MatMul + Add
// head. Input [batch, 3, height, width] with all three non-channel dims symbolic.

import { attrFloat, graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';

export interface ResNetShape {
  widths: readonly number[];
  blocksPerStage: number;
  classes: number;
}

export const RESNET_SHAPE: ResNetShape = { widths: [16, 32, 64, 128], blocksPerStage: 2, classes: 100 };

export function resnetLike(s: ResNetShape = RESNET_SHAPE, seed = 3): ModelProto {
  const w = new GraphWriter(seed);
  let convs = 0;
  const convBn = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean, explicitPad: boolean): string => {
    const p = `conv${convs++}`;
    const weight = w.weight(`${p}.weight`, [cout, cin, k, k], Math.sqrt(6 / (cin * k * k)));
    const pad = (k - 1) / 2;
    let input = x;
    let pads = [pad, pad, pad, pad];
    if (explicitPad && pad > 0) {
      input = w.op('Pad', [x, w.ints([0, 0, pad, pad, 0, 0, pad, pad])], { mode: 'constant' });
      pads = [0, 0, 0, 0];
    }
    const y = w.op('Conv', [input, weight], { kernel_shape: [k, k], strides: [stride, stride], pads, dilations: [1, 1], group: 1 }, `${p}/Conv`);
    const bn = w.op(
      'BatchNormalization',
      [y, w.weight(`${p}.bn.weight`, [cout], 0.2, 1), w.weight(`${p}.bn.bias`, [cout], 0.1), w.weight(`${p}.bn.running_mean`, [cout], 0.1), w.weight(`${p}.bn.running_var`, [cout], 0.3, 1)],
      { epsilon: attrFloat(1e-5), momentum: attrFloat(0.9) },
      `${p}/BatchNormalization`,
    );
    return relu ? w.op('Relu', [bn]) : bn;
  };

  let h = convBn('input', 3, s.widths[0]!, 3, 2, true, true);
  h = w.op('MaxPool', [h], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let cin = s.widths[0]!;
  s.widths.forEach((cout, stage) => {
    for (let b = 0; b < s.blocksPerStage; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const a = convBn(h, cin, cout, 3, stride, true, b === 1);
      const c = convBn(a, cout, cout, 3, 1, false, false);
      const shortcut = stride !== 1 || cin !== cout ? convBn(h, cin, cout, 1, stride, false, false) : h;
      h = w.op('Relu', [w.op('Add', [c, shortcut])]);
      cin = cout;
    }
  });
  const pooled = w.op('Flatten', [w.op('GlobalAveragePool', [h])], { axis: 1 });
  const fc = w.op('MatMul', [pooled, w.weight('fc.weight', [cin, s.classes], 1 / Math.sqrt(cin))]);
  w.op('Add', [fc, w.weight('fc.bias', [s.classes], 0.02)], {}, 'logits');
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'resnet_like',
      nodes: w.nodes,
      inputs: [valueInfo('input', ElemType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', s.classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
