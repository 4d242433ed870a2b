// A small BERT-like encoder as torch.onnx exports one (opset 17): word and position embeddings
// (position ids sliced to the run's seq length through a Shape chain), LayerNorm, the extended
// attention mask (Unsqueeze → Cast → Sub → Mul), a few encoder layers (transformer-layer.ts) and
// the pooler (first token → dense → Tanh). Inputs input_ids and attention_mask, int64
// [batch, seq], both dims symbolic. Small enough to run in milliseconds on one thread.

import { graph, model, tensor, valueInfo } from '../../../shared/builder/index.js';
import { ElemType } from '../../../shared/onnx/element-types.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { GraphWriter } from './graph-writer.js';
import { encoderLayer, layerNorm, linear, type LayerShape } from './transformer-layer.js';

export interface BertShape extends LayerShape {
  layers: number;
  vocab: number;
  maxPositions: number;
}

export const BERT_SHAPE: BertShape = { layers: 4, hidden: 128, heads: 4, ffn: 512, vocab: 1000, maxPositions: 512 };

export function bertLike(s: BertShape = BERT_SHAPE, seed = 2): ModelProto {
  const w = new GraphWriter(seed);
  const words = w.weight('embeddings.word_embeddings.weight', [s.vocab, s.hidden], 0.05);
  const positions = w.weight('embeddings.position_embeddings.weight', [s.maxPositions, s.hidden], 0.05);
  const types = w.weight('embeddings.token_type_embeddings.weight', [2, s.hidden], 0.05);
  const positionIds = w.initializer('embeddings.position_ids', ElemType.INT64, [1, s.maxPositions], Array.from({ length: s.maxPositions }, (_, i) => i));

  const seq = w.op('Unsqueeze', [w.op('Gather', [w.op('Shape', ['input_ids']), w.constant(ElemType.INT64, [], [1])], { axis: 0 }), w.ints([0])]);
  const posIds = w.op('Slice', [positionIds, w.ints([0]), seq, w.ints([1]), w.ints([1])]);
  // token_type_ids default to zeros of input_ids' shape.
  const typeIds = w.op('ConstantOfShape', [w.op('Shape', ['input_ids'])], { value: tensor('zero', ElemType.INT64, [1], [0n]) });
  let h = w.op('Add', [w.op('Gather', [words, 'input_ids'], { axis: 0 }), w.op('Gather', [types, typeIds], { axis: 0 })]);
  h = w.op('Add', [h, w.op('Gather', [positions, posIds], { axis: 0 })]);
  h = layerNorm(w, 'embeddings.LayerNorm', h, s.hidden);

  const m = w.op('Cast', [w.op('Unsqueeze', ['attention_mask', w.ints([1, 2])])], { to: ElemType.FLOAT });
  const mask = w.op('Mul', [w.op('Sub', [w.scalar(1), m]), w.scalar(-10000)]);
  for (let i = 0; i < s.layers; i++) h = encoderLayer(w, `encoder.layer.${i}`, h, s, mask);
  w.op('Identity', [h], {}, 'last_hidden_state_id');
  w.nodes[w.nodes.length - 1]!.output = ['last_hidden_state'];

  const first = w.op('Gather', ['last_hidden_state', w.constant(ElemType.INT64, [], [0])], { axis: 1 });
  w.op('Tanh', [linear(w, 'pooler.dense', first, s.hidden, s.hidden)], {}, 'pooler_tanh');
  w.nodes[w.nodes.length - 1]!.output = ['pooler_output'];

  return model(
    graph({
      name: 'bert_like',
      nodes: w.nodes,
      inputs: [valueInfo('input_ids', ElemType.INT64, ['batch', 'seq']), valueInfo('attention_mask', ElemType.INT64, ['batch', 'seq'])],
      outputs: [valueInfo('last_hidden_state', ElemType.FLOAT, ['batch', 'seq', s.hidden]), valueInfo('pooler_output', ElemType.FLOAT, ['batch', s.hidden])],
      initializers: w.initializers,
    }),
    { opset: 17, producerName: 'pytorch', producerVersion: '2.1.0' },
  );
}
