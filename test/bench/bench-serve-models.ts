// Models for bench:serve, made with the project's model builder: a stack of 3x3 convolutions
// (Relu between) on a free batch dim.

import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

function seeded(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

/**
 * x [N,3,size,size] → `layers` padded 3x3 convolutions of `channels` filters with Relu → y
 * [N,channels,size,size] (the feature map: `head` 'map'), or with `head` 'pooled' a global
 * average pool after them → y [N,channels] (an embedding or class scores: what most served
 * models answer, a few hundred bytes instead of the whole map).
 */
export function convStack(channels: number, size: number, layers: number, head: 'map' | 'pooled' = 'map'): Uint8Array {
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let prev = 'x';
  let inC = 3;
  for (let l = 0; l < layers; l++) {
    const out = l === layers - 1 && head === 'map' ? 'y' : `r${l}`;
    inits.push(tensor(`w${l}`, ElemType.FLOAT, [channels, inC, 3, 3], seeded(channels * inC * 9, 7 + l, 2 / Math.sqrt(inC * 9))), tensor(`b${l}`, ElemType.FLOAT, [channels], seeded(channels, 3 + l, 0.1)));
    nodes.push(node('Conv', [prev, `w${l}`, `b${l}`], [`c${l}`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', [`c${l}`], [out]));
    prev = out;
    inC = channels;
  }
  if (head === 'pooled') nodes.push(node('GlobalAveragePool', [prev], ['gap']), node('Flatten', ['gap'], ['y']));
  return modelBytes(
    model(
      graph({
        nodes,
        inputs: [valueInfo('x', ElemType.FLOAT, ['N', 3, size, size])],
        outputs: [valueInfo('y', ElemType.FLOAT, head === 'map' ? ['N', channels, size, size] : ['N', channels])],
        initializers: inits,
      }),
      { opset: 17 },
    ),
  );
}

/**
 * A small image classifier: x [N,3,32,32] → two 3x3 convolutions (16 filters, Relu) → 2x2 max
 * pool → a dense layer of 512 (Relu) → 10 scores. The dense layer's weights (8 MiB) are read once
 * per run, whatever the batch: the case dynamic batching is for.
 */
export function smallCnn(): Uint8Array {
  const c = 16;
  const flat = c * 16 * 16;
  return modelBytes(
    model(
      graph({
        nodes: [
          node('Conv', ['x', 'w0', 'b0'], ['c0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
          node('Relu', ['c0'], ['r0']),
          node('Conv', ['r0', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
          node('Relu', ['c1'], ['r1']),
          node('MaxPool', ['r1'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
          node('Flatten', ['p'], ['f']),
          node('Gemm', ['f', 'd0', 'e0'], ['g0']),
          node('Relu', ['g0'], ['h']),
          node('Gemm', ['h', 'd1', 'e1'], ['y']),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, ['N', 3, 32, 32])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['N', 10])],
        initializers: [
          tensor('w0', ElemType.FLOAT, [c, 3, 3, 3], seeded(c * 27, 1, 0.5)),
          tensor('b0', ElemType.FLOAT, [c], seeded(c, 2, 0.1)),
          tensor('w1', ElemType.FLOAT, [c, c, 3, 3], seeded(c * c * 9, 3, 0.2)),
          tensor('b1', ElemType.FLOAT, [c], seeded(c, 4, 0.1)),
          tensor('d0', ElemType.FLOAT, [flat, 512], seeded(flat * 512, 5, 0.03)),
          tensor('e0', ElemType.FLOAT, [512], seeded(512, 6, 0.1)),
          tensor('d1', ElemType.FLOAT, [512, 10], seeded(5120, 7, 0.1)),
          tensor('e1', ElemType.FLOAT, [10], seeded(10, 8, 0.1)),
        ],
      }),
      { opset: 17 },
    ),
  );
}
