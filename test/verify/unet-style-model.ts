// A small U²-Net-style segmentation model for the precision tests: Conv/Relu/MaxPool encoder,
// Resize "upsample like" decoder (sizes taken from the skip tensor's Shape, as PyTorch exports
// F.interpolate(x, size=skip.shape[2:])), Concat skips, side outputs through Sigmoid, each Cast to
// float32 at the graph output. One side branch is computed twice (an exporter's duplicate), so
// common-subexpression-elimination has work, and shape-folding has the Shape arithmetic.
// Built in float16 (what the model was) or float32 (the same arithmetic without
// float16's rounding), with an optional change to one weight (a real error).

import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

export interface UnetStyleOptions {
  elemType: typeof ElemType.FLOAT16 | typeof ElemType.FLOAT;
  /** Added to weight 0 of the fusing Conv: an injected error. */
  weightDelta?: number;
}

const SIZE = 32;

export function unetStyleModel(o: UnetStyleOptions): ModelProto {
  const T = o.elemType;
  const F = ElemType.FLOAT;
  const I = ElemType.INT64;
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const inits: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const conv = (name: string, x: string, cin: number, cout: number, k: number, relu: boolean, delta = 0): string => {
    const w = Array.from({ length: cout * cin * k * k }, () => (rnd() * 2) / Math.sqrt(cin * k * k));
    w[0] = w[0]! + delta;
    inits.push(tensor(`${name}.w`, T, [cout, cin, k, k], w), tensor(`${name}.b`, T, [cout], Array.from({ length: cout }, () => rnd() * 0.2)));
    const pad = (k - 1) / 2;
    nodes.push(node('Conv', [x, `${name}.w`, `${name}.b`], [relu ? `${name}.c` : name], { pads: [pad, pad, pad, pad] }, { name }));
    if (relu) nodes.push(node('Relu', [`${name}.c`], [name], undefined, { name: `${name}.relu` }));
    return name;
  };
  // F.interpolate(x, size=tar.shape[2:], mode='bilinear') as exported: Shape → Slice → Concat → Resize.
  const upsampleLike = (name: string, x: string, tar: string): string => {
    nodes.push(
      node('Shape', [x], [`${name}.xs`]),
      node('Slice', [`${name}.xs`, 'i0', 'i2'], [`${name}.nc`]),
      node('Shape', [tar], [`${name}.ts`]),
      node('Slice', [`${name}.ts`, 'i2', 'i4'], [`${name}.hw`]),
      node('Concat', [`${name}.nc`, `${name}.hw`], [`${name}.sizes`], { axis: 0 }),
      node('Resize', [x, '', '', `${name}.sizes`], [name], { mode: 'linear' }, { name }),
    );
    return name;
  };
  inits.push(tensor('i0', I, [1], [0]), tensor('i2', I, [1], [2]), tensor('i4', I, [1], [4]));

  const e1 = conv('enc1', 'x', 3, 8, 3, true);
  nodes.push(node('MaxPool', [e1], ['pool1'], { kernel_shape: [2, 2], strides: [2, 2] }));
  const e2 = conv('enc2', 'pool1', 8, 16, 3, true);
  nodes.push(node('MaxPool', [e2], ['pool2'], { kernel_shape: [2, 2], strides: [2, 2] }));
  const b = conv('bottom', 'pool2', 16, 16, 3, true);
  const u2 = upsampleLike('up2', b, e2);
  nodes.push(node('Concat', [u2, e2], ['cat2'], { axis: 1 }));
  const d2 = conv('dec2', 'cat2', 32, 8, 3, true);
  const u1 = upsampleLike('up1', d2, e1);
  nodes.push(node('Concat', [u1, e1], ['cat1'], { axis: 1 }));
  const d1 = conv('dec1', 'cat1', 16, 8, 3, true);
  const s1 = conv('side1', d1, 8, 1, 3, false);
  const s2 = conv('side2', d2, 8, 1, 3, false);
  // Upsampled like the decoder's Concat: that Shape read is what keeps the Concat in float16.
  const s2u = upsampleLike('side2.up', s2, 'cat1');
  // The exporter traced torch.cat((side1, side2)) twice: once for the fusing Conv, once for the
  // stacked side maps returned as an output.
  nodes.push(node('Concat', [s1, s2u], ['fuse.in'], { axis: 1 }), node('Concat', [s1, s2u], ['sides.h'], { axis: 1 }));
  const s0 = conv('fuse', 'fuse.in', 2, 1, 1, false, o.weightDelta ?? 0);
  const maps = [
    ['d0', s0],
    ['d1', s1],
    ['d2', s2u],
  ] as const;
  for (const [out, v] of maps) nodes.push(node('Sigmoid', [v], [`${out}.p`]), node('Cast', [`${out}.p`], [out], { to: F }));
  nodes.push(node('Cast', ['sides.h'], ['sides'], { to: F }));
  const outputs = [...maps.map(([out]) => valueInfo(out, F, [1, 1, SIZE, SIZE])), valueInfo('sides', F, [1, 2, SIZE, SIZE])];
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', T, [1, 3, SIZE, SIZE])],
      outputs,
      initializers: inits,
    }),
  );
}
