// A transformer-like graph of about N nodes for timing the optimizer: a stack of exporter-style
// encoder layers (see transformer-layer.ts) on an input [batch, seq, hidden] with symbolic batch
// and seq, as many layers as it takes to reach the node count. Narrow (hidden 32) so that even
// the 100k-node graph's weights stay small: the engine's cost is in the nodes.

import { graph, model, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';
import { encoderLayer, type LayerShape } from './transformer-layer.js';

export const ENGINE_LAYER: LayerShape = { hidden: 32, heads: 4, ffn: 128 };

/** Nodes one layer adds (measured by writing one). */
export function nodesPerLayer(shape: LayerShape = ENGINE_LAYER): number {
  const w = new GraphWriter(1);
  encoderLayer(w, 'l', 'x', shape);
  return w.nodes.length;
}

/** Layers for a graph of about `nodes` nodes (at least one). */
export function layersFor(nodes: number, shape: LayerShape = ENGINE_LAYER): number {
  return Math.max(1, Math.round(nodes / nodesPerLayer(shape)));
}

/** The model: `layers` encoder layers, input x and output y of shape [batch, seq, hidden]. */
export function transformerLike(layers: number, shape: LayerShape = ENGINE_LAYER, seed = 1): ModelProto {
  const w = new GraphWriter(seed);
  let h = 'x';
  for (let i = 0; i < layers; i++) h = encoderLayer(w, `encoder.layer.${i}`, h, shape);
  w.op('Identity', [h], {}, 'output');
  w.nodes[w.nodes.length - 1]!.output = ['y'];
  return model(
    graph({
      name: 'transformer_like',
      nodes: w.nodes,
      inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 'seq', shape.hidden])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['batch', 'seq', shape.hidden])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
