// A transformer-like model made with the builder, of any size: each layer is an attention block
// whose reshapes take their targets from Shape → Gather → Unsqueeze → Concat chains (as exporters
// write them), then an MLP. Weights are shared initializers so that a 100k-node model stays small.

import { attrFloat, ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ModelProto, NodeProto } from '../../shared/onnx/proto-types.js';

export const HIDDEN = 64;
export const HEADS = 4;

/** Nodes each layer adds. */
export const NODES_PER_LAYER = 32;

function layer(i: number, x: string): { nodes: NodeProto[]; out: string } {
  const p = (s: string) => `l${i}_${s}`;
  const nodes: NodeProto[] = [
    node('LayerNormalization', [x, 'ln_scale', 'ln_bias'], [p('ln1')], { axis: -1, epsilon: attrFloat(1e-5) }),
    node('MatMul', [p('ln1'), 'w_qkv'], [p('qkv_mm')]),
    node('Add', [p('qkv_mm'), 'b_qkv'], [p('qkv')]),
    node('Shape', [x], [p('shape')]),
    node('Gather', [p('shape'), 'idx0'], [p('batch')], { axis: 0 }),
    node('Gather', [p('shape'), 'idx1'], [p('seq')], { axis: 0 }),
    node('Unsqueeze', [p('batch'), 'axes0'], [p('batch1')]),
    node('Unsqueeze', [p('seq'), 'axes0'], [p('seq1')]),
    node('Concat', [p('batch1'), p('seq1'), 'three_heads_hd'], [p('qkv_shape')], { axis: 0 }),
    node('Reshape', [p('qkv'), p('qkv_shape')], [p('qkv5')]),
    node('Transpose', [p('qkv5')], [p('qkv_t')], { perm: [2, 0, 3, 1, 4] }),
    node('Split', [p('qkv_t')], [p('q3'), p('k3'), p('v3')], { axis: 0 }),
    node('Squeeze', [p('q3'), 'axes0'], [p('q')]),
    node('Squeeze', [p('k3'), 'axes0'], [p('k')]),
    node('Squeeze', [p('v3'), 'axes0'], [p('v')]),
    node('Transpose', [p('k')], [p('kt')], { perm: [0, 1, 3, 2] }),
    node('MatMul', [p('q'), p('kt')], [p('scores')]),
    node('Div', [p('scores'), 'scale'], [p('scaled')]),
    node('Softmax', [p('scaled')], [p('probs')], { axis: -1 }),
    node('MatMul', [p('probs'), p('v')], [p('ctx')]),
    node('Transpose', [p('ctx')], [p('ctx_t')], { perm: [0, 2, 1, 3] }),
    node('Concat', [p('batch1'), p('seq1'), 'hidden1'], [p('out_shape')], { axis: 0 }),
    node('Reshape', [p('ctx_t'), p('out_shape')], [p('attn')]),
    node('MatMul', [p('attn'), 'w_o'], [p('proj')]),
    node('Add', [x, p('proj')], [p('res1')]),
    node('LayerNormalization', [p('res1'), 'ln_scale', 'ln_bias'], [p('ln2')], { axis: -1, epsilon: attrFloat(1e-5) }),
    node('MatMul', [p('ln2'), 'w_up'], [p('up')]),
    node('Add', [p('up'), 'b_up'], [p('up_b')]),
    node('Gelu', [p('up_b')], [p('act')], undefined, { domain: 'com.microsoft' }),
    node('MatMul', [p('act'), 'w_down'], [p('down')]),
    node('Add', [p('down'), 'b_down'], [p('down_b')]),
    node('Add', [p('res1'), p('down_b')], [p('out')]),
  ];
  return { nodes, out: p('out') };
}

function zeros(name: string, dims: number[]) {
  return tensor(name, ElemType.FLOAT, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)));
}

/** A model of `layers` layers (NODES_PER_LAYER nodes each) over input x: float[batch, seq, HIDDEN]. */
export function transformerModel(layers: number): ModelProto {
  const nodes: NodeProto[] = [];
  let x = 'x';
  for (let i = 0; i < layers; i++) {
    const l = layer(i, x);
    nodes.push(...l.nodes);
    x = l.out;
  }
  const hd = HIDDEN / HEADS;
  const int64 = (name: string, values: number[], dims = [values.length]) => tensor(name, ElemType.INT64, dims, values);
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 'seq', HIDDEN])],
      outputs: [x],
      initializers: [
        zeros('ln_scale', [HIDDEN]),
        zeros('ln_bias', [HIDDEN]),
        zeros('w_qkv', [HIDDEN, 3 * HIDDEN]),
        zeros('b_qkv', [3 * HIDDEN]),
        zeros('w_o', [HIDDEN, HIDDEN]),
        zeros('w_up', [HIDDEN, 4 * HIDDEN]),
        zeros('b_up', [4 * HIDDEN]),
        zeros('w_down', [4 * HIDDEN, HIDDEN]),
        zeros('b_down', [HIDDEN]),
        tensor('scale', ElemType.FLOAT, [], [Math.sqrt(hd)]),
        int64('idx0', [0], []),
        int64('idx1', [1], []),
        int64('axes0', [0]),
        int64('three_heads_hd', [3, HEADS, hd]),
        int64('hidden1', [HIDDEN]),
      ],
    }),
    { opset: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] },
  );
}
