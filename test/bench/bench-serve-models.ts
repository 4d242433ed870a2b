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

/** x [N,3,size,size] → `layers` padded 3x3 convolutions of `channels` filters with Relu → y [N,channels,size,size]. */
export function convStack(channels: number, size: number, layers: number): Uint8Array {
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let prev = 'x';
  let inC = 3;
  for (let l = 0; l < layers; l++) {
    const out = l === layers - 1 ? 'y' : `r${l}`;
    inits.push(tensor(`w${l}`, ElemType.FLOAT, [channels, inC, 3, 3], seeded(channels * inC * 9, 7 + l, 2 / Math.sqrt(inC * 9))), tensor(`b${l}`, ElemType.FLOAT, [channels], seeded(channels, 3 + l, 0.1)));
    nodes.push(node('Conv', [prev, `w${l}`, `b${l}`], [`c${l}`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', [`c${l}`], [out]));
    prev = out;
    inC = channels;
  }
  return modelBytes(
    model(
      graph({
        nodes,
        inputs: [valueInfo('x', ElemType.FLOAT, ['N', 3, size, size])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['N', channels, size, size])],
        initializers: inits,
      }),
      { opset: 17 },
    ),
  );
}
