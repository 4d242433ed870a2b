import { writeFile } from 'node:fs/promises';
import { attrFloat, ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';

// Conv (3→4 channels, 3×3, pads 1) → BatchNormalization → Relu on [1, 3, 8, 8]: what PyTorch
// exports for Conv2d + BatchNorm2d + ReLU in eval mode. Seeded values, so runs are repeatable.

function values(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / (1 << 24)) * (hi - lo);
  });
}

/** The model; its nodes are named conv, bn and relu. */
export function convBnReluModel(): ModelProto {
  const c = 4;
  return model(
    graph({
      name: 'conv_bn_relu',
      nodes: [
        node('Conv', ['x', 'W', 'B'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' }),
        node('BatchNormalization', ['c', 'scale', 'shift', 'mean', 'var'], ['b'], { epsilon: attrFloat(1e-5) }, { name: 'bn' }),
        node('Relu', ['b'], ['y'], {}, { name: 'relu' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 3, 8, 8])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, c, 8, 8])],
      initializers: [
        tensor('W', ElemType.FLOAT, [c, 3, 3, 3], values(c * 27, 1, -1, 1)),
        tensor('B', ElemType.FLOAT, [c], values(c, 2, -0.5, 0.5)),
        tensor('scale', ElemType.FLOAT, [c], values(c, 3, 0.5, 2)),
        tensor('shift', ElemType.FLOAT, [c], values(c, 4, -1, 1)),
        tensor('mean', ElemType.FLOAT, [c], values(c, 5, -0.5, 0.5)),
        tensor('var', ElemType.FLOAT, [c], values(c, 6, 0.2, 2)),
      ],
    }),
    { opset: 15 },
  );
}

/** Writes the model to `path`. */
export async function writeConvBnRelu(path: string): Promise<void> {
  await writeFile(path, modelBytes(convBnReluModel()));
}
