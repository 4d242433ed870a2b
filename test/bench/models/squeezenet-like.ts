// A SqueezeNet-1.1-like CNN as torch.onnx exports one (opset 17): a 3×3 stride-2 stem, fire
// modules (1×1 squeeze → Relu → 1×1 and 3×3 expands → Relu → Concat) between MaxPools, a 1×1
// classifier conv → Relu → GlobalAveragePool → Flatten. Conv biases as PyTorch has them, no
// BatchNormalization. Input [batch, 3, height, width] with the non-channel dims symbolic.

import { graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';

/** Fire modules as [squeeze, expand] channels (each expand branch has `expand`); 'pool' is a MaxPool. */
export const SQUEEZENET_FIRES: readonly ([number, number] | 'pool')[] = [[16, 64], [16, 64], 'pool', [32, 128], [32, 128], 'pool', [48, 192], [48, 192], [64, 256], [64, 256]];

export function squeezenetLike(classes = 1000, seed = 5): ModelProto {
  const w = new GraphWriter(seed);
  let convs = 0;
  const conv = (x: string, cin: number, cout: number, k: number, stride = 1): string => {
    const p = `features.${convs++}`;
    const weight = w.weight(`${p}.weight`, [cout, cin, k, k], Math.sqrt(6 / (cin * k * k)));
    const bias = w.weight(`${p}.bias`, [cout], 0.05);
    const pad = stride === 1 ? (k - 1) / 2 : 0;
    return w.op('Relu', [w.op('Conv', [x, weight, bias], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1 }, `${p}/Conv`)]);
  };
  const pool = (x: string) => w.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], ceil_mode: 1 });

  let h = pool(conv('input', 3, 64, 3, 2));
  let cin = 64;
  for (const f of SQUEEZENET_FIRES) {
    if (f === 'pool') {
      h = pool(h);
      continue;
    }
    const [squeeze, expand] = f;
    const s = conv(h, cin, squeeze, 1);
    h = w.op('Concat', [conv(s, squeeze, expand, 1), conv(s, squeeze, expand, 3)], { axis: 1 });
    cin = 2 * expand;
  }
  w.op('Flatten', [w.op('GlobalAveragePool', [conv(h, cin, classes, 1)])], { axis: 1 });
  w.nodes[w.nodes.length - 1]!.output = ['logits'];
  return model(
    graph({
      name: 'squeezenet_like',
      nodes: w.nodes,
      inputs: [valueInfo('input', ElemType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', classes])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
