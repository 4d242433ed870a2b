import { ElemType } from '../../onnx/element-types.js';
import type { Dim } from '../dims.js';
import { normAxis, type OpContext, type OpRule } from '../rule.js';
import { tensorOf, type TensorType } from '../types.js';
import { sameType } from './elementwise.js';

// Neural-network layers whose main output keeps the input's shape (normalizations, softmax,
// dropout...), with their statistics outputs, and the losses, GridSample and the RNN family.

const SAME = [
  'Softmax', 'LogSoftmax', 'Hardmax', 'LRN', 'LpNormalization', 'MeanVarianceNormalization', 'InstanceNormalization',
  'GroupNormalization', 'CumSum', 'Trilu', 'ReverseSequence', 'Shrink', 'Binarizer',
];

const batchNorm: OpRule = (ctx) => {
  const x = ctx.tensor(0);
  const stats = ctx.elem(3) || ctx.elem(1) || (x?.elemType ?? 0);
  const c = x?.shape && x.shape.length > 1 ? x.shape[1]! : null;
  const stat = tensorOf(stats, [c]);
  return [x, stat, stat, stat, stat];
};

/** LayerNormalization-style statistics: the input's dims before `axis`, ones after. */
export function normStats(ctx: OpContext, defaultElem: number): TensorType {
  const s = ctx.shape(0);
  const elem = ctx.attrInt('stash_type') ?? defaultElem;
  if (!s) return tensorOf(elem, null);
  const axis = normAxis(ctx.attrInt('axis') ?? -1, s.length);
  return tensorOf(elem, s.map((d, i) => (i < axis ? d : 1)));
}

const layerNorm: OpRule = (ctx) => {
  const stats = normStats(ctx, ElemType.FLOAT);
  return [ctx.tensor(0), stats, stats];
};

const simplifiedLayerNorm: OpRule = (ctx) => [ctx.tensor(0), normStats(ctx, ElemType.FLOAT)];

const dropout: OpRule = (ctx) => {
  const x = ctx.tensor(0);
  return [x, tensorOf(ctx.opset >= 10 ? ElemType.BOOL : (x?.elemType ?? 0), x?.shape ?? null)];
};

const nllLoss: OpRule = (ctx) => {
  const reduction = ctx.attrString('reduction') ?? 'mean';
  return [tensorOf(ctx.elem(0), reduction === 'none' ? (ctx.shape(1) ?? null) : [])];
};

const softmaxCrossEntropy: OpRule = (ctx) => {
  const reduction = ctx.attrString('reduction') ?? 'mean';
  return [tensorOf(ctx.elem(0), reduction === 'none' ? (ctx.shape(1) ?? null) : []), ctx.tensor(0)];
};

const gridSample: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const grid = ctx.shape(1);
  if (!grid) return [tensorOf(ctx.elem(0), null)];
  return [tensorOf(ctx.elem(0), [grid[0]!, x ? x[1]! : null, ...grid.slice(1, -1)])];
};

function rnn(gates: number): OpRule {
  return (ctx) => {
    const x = ctx.shape(0);
    const r = ctx.shape(2);
    const elem = ctx.elem(0);
    const direction = ctx.attrString('direction') ?? 'forward';
    const dirs = direction === 'bidirectional' ? 2 : 1;
    const hidden: Dim = ctx.attrInt('hidden_size') ?? (r ? r[2]! : null);
    const layout = ctx.opset >= 14 ? (ctx.attrInt('layout') ?? 0) : 0;
    const seq = x ? x[layout === 0 ? 0 : 1]! : null;
    const batch = x ? x[layout === 0 ? 1 : 0]! : null;
    const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
    const state = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
    const outs = [tensorOf(elem, y), tensorOf(elem, state)];
    if (gates === 4) outs.push(tensorOf(elem, state));
    return outs;
  };
}

/** Rules of the neural-network layers (default domain). */
export const nnRules: Record<string, OpRule> = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  // onnxruntime registers this one in the default domain; its optimizer emits it there.
  SimplifiedLayerNormalization: simplifiedLayerNorm,
  Dropout: dropout,
  NegativeLogLikelihoodLoss: nllLoss,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropy,
  GridSample: gridSample,
  RNN: rnn(1),
  GRU: rnn(3),
  LSTM: rnn(4),
};
for (const op of SAME) nnRules[op] = sameType;
