import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimDivExact, dimFloorDiv, dimMul, type Dim } from '../dims.js';
import { remapInputs, type OpContext, type OpRule } from '../rule.js';
import { tensorOf, type TensorType } from '../types.js';
import { dynamicQuantize, msQuantizeRules } from './cast-quantize.js';
import { concatSplitRules } from './concat-split.js';
import { convPoolRules, convRule } from './conv-pool.js';
import { broadcastInputs, sameType } from './elementwise.js';
import { matmulRules, matmulShape } from './matmul.js';
import { nnRules, normStats } from './nn.js';

// com.microsoft operators that onnxruntime's optimizer and quantizer emit: fused convolutions and
// matmuls, GELU variants, the layer-norm fusions, attention, and the QLinear/integer family.

const SAME = ['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'BiasAdd', 'RotaryEmbedding', 'BiasSoftmax', 'QLinearLeakyRelu', 'QLinearSigmoid', 'QLinearSoftmax', 'Inverse', 'GroupNorm', 'SkipGroupNorm'];

function swapLast(s: readonly Dim[]): Dim[] {
  if (s.length < 2) return [...s];
  const out = [...s];
  [out[s.length - 2], out[s.length - 1]] = [s[s.length - 1]!, s[s.length - 2]!];
  return out;
}

const fusedMatMul: OpRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  const elem = ctx.elem(0);
  if (!a || !b) return [tensorOf(elem, null)];
  const ta = ctx.attrInt('transA') === 1 ? swapLast(a) : a;
  const tb = ctx.attrInt('transB') === 1 ? swapLast(b) : b;
  return [tensorOf(elem, matmulShape(ta, tb))];
};

function skipLayerNorm(ctx: OpContext): (TensorType | undefined)[] {
  const x = ctx.tensor(0);
  const s = x?.shape;
  const stats = tensorOf(ElemType.FLOAT, s ? [...s.slice(0, -1), 1] : null);
  return [x, stats, stats, x];
}

const attention: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const elem = ctx.elem(0);
  const heads = ctx.attrInt('num_heads') ?? null;
  const qkv = ctx.attrInts('qkv_hidden_sizes');
  const vHidden: Dim = qkv ? qkv[2]! : w ? dimDivExact(w[1]!, 3) : null;
  const qkHidden: Dim = qkv ? qkv[0]! : vHidden;
  const [b, s] = x ? [x[0]!, x[1]!] : [null, null];
  const past = ctx.shape(4);
  const pastLen: Dim = past ? past[3]! : 0;
  const head = heads ? dimDivExact(qkHidden, heads) : null;
  return [tensorOf(elem, [b, s, vHidden]), tensorOf(elem, [2, b, heads, dimAdd(pastLen, s), head])];
};

const multiHeadAttention: OpRule = (ctx) => {
  const q = ctx.shape(0);
  const k = ctx.shape(1);
  const v = ctx.shape(2);
  const elem = ctx.elem(0);
  const heads = ctx.attrInt('num_heads') ?? null;
  if (!q) return [tensorOf(elem, null)];
  const [b, s] = [q[0]!, q[1]!];
  let hidden: Dim = null;
  if (q.length === 5) hidden = dimMul(q[2]!, q[4]!);
  else if (v?.length === 3) hidden = v[2]!;
  else if (v?.length === 4) hidden = dimMul(v[1]!, v[3]!);
  else if (k?.length === 5 || !k) hidden = q[2]!;
  const kvLen: Dim = k?.length === 3 ? k[1]! : k?.length === 4 ? k[2]! : k?.length === 5 ? k[1]! : s;
  const pastLen: Dim = ctx.shape(6)?.[2] ?? 0;
  const total = dimAdd(pastLen, kvLen);
  const headQk = heads && q.length === 3 ? dimDivExact(q[2]!, heads) : q.length === 5 ? q[4]! : null;
  const headV = heads ? dimDivExact(hidden, heads) : null;
  return [tensorOf(elem, [b, s, hidden]), tensorOf(elem, [b, heads, total, headQk]), tensorOf(elem, [b, heads, total, headV])];
};

const groupQueryAttention: OpRule = (ctx) => {
  const q = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!q) return [tensorOf(elem, null)];
  const heads = ctx.attrInt('num_heads');
  const kvHeads = ctx.attrInt('kv_num_heads');
  let hidden: Dim = q[2]!;
  // Packed QKV: the last dim holds (heads + 2 kv heads) × head size.
  if (!ctx.hasInput(1) && heads && kvHeads) hidden = dimMul(dimDivExact(q[2]!, heads + 2 * kvHeads), heads);
  return [tensorOf(elem, [q[0]!, q[1]!, hidden])];
};

// Quantized Attention: int8 input and weights [hidden, 3 × hidden], float output [batch, seq, hidden].
const qAttention: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  return [tensorOf(ElemType.FLOAT, x ? [x[0]!, x[1]!, w ? dimDivExact(w[1]!, 3) : null] : null)];
};

const qlinearBinary: OpRule = (ctx) => [tensorOf(ctx.elem(7) || ctx.elem(0), broadcastInputs(ctx, [0, 3]))];

const qlinearConcat: OpRule = (ctx) => {
  // Concat's rule over the data inputs only (every third input from the third).
  const data: number[] = [];
  for (let i = 2; i < ctx.inputCount; i += 3) data.push(i);
  const inner = { ...remapInputs(ctx, data), value: () => undefined, setValue: () => undefined };
  const [t] = concatSplitRules.Concat!(inner);
  return [t?.kind === 'tensor' ? tensorOf(ctx.elem(1) || t.elemType, t.shape) : t];
};

function channelsLast(rule: OpRule): OpRule {
  return (ctx) => {
    if (ctx.attrInt('channels_last') !== 1) return rule(ctx);
    const s = ctx.shape(0);
    if (!s) return [tensorOf(ctx.elem(0), null)];
    // NHWC: compute as NCHW, then move channels back last.
    const nchw = [s[0]!, s[s.length - 1]!, ...s.slice(1, -1)];
    const base = remapInputs(ctx, [...Array(ctx.inputCount).keys()]);
    const inner: OpContext = {
      ...base,
      shape: (i) => (i === 0 ? nchw : ctx.shape(i)),
      tensor: (i) => (i === 0 ? tensorOf(ctx.elem(0), nchw) : ctx.tensor(i)),
    };
    const [t] = rule(inner);
    if (t?.kind !== 'tensor' || !t.shape) return [t];
    return [tensorOf(t.elemType, [t.shape[0]!, ...t.shape.slice(2), t.shape[1]!])];
  };
}

function matmulTo(elemOf: (ctx: OpContext) => number): OpRule {
  return (ctx) => {
    const a = ctx.shape(0);
    const b = ctx.shape(1);
    return [tensorOf(elemOf(ctx), a && b ? matmulShape(a, b) : null)];
  };
}

const matMulNBits: OpRule = (ctx) => {
  const a = ctx.shape(0);
  const n = ctx.attrInt('N') ?? null;
  return [tensorOf(ctx.elem(0), a ? [...a.slice(0, -1), n] : null)];
};

const qGemm: OpRule = (ctx) => {
  const [t] = matmulRules.Gemm!(remapInputs(ctx, [0, 3]));
  return [tensorOf(ctx.hasInput(8) ? ctx.elem(8) : ElemType.FLOAT, t?.kind === 'tensor' ? t.shape : null)];
};

const embedLayerNorm: OpRule = (ctx) => {
  const ids = ctx.shape(0);
  const emb = ctx.shape(2);
  const elem = ctx.elem(2);
  const [b, s] = ids ? [ids[0]!, ids[1]!] : [null, null];
  const h = emb ? emb[1]! : null;
  return [tensorOf(elem, [b, s, h]), tensorOf(ElemType.INT32, [b]), tensorOf(elem, [b, s, h])];
};

const biasSplitGelu: OpRule = (ctx) => {
  const s = ctx.shape(0);
  return [tensorOf(ctx.elem(0), s ? [...s.slice(0, -1), dimFloorDiv(s[s.length - 1]!, 2)] : null)];
};

const biasDropout: OpRule = (ctx) => [ctx.tensor(0), tensorOf(ElemType.BOOL, ctx.shape(0) ?? null)];

/** Rules of the com.microsoft operators. */
export const microsoftRules: Record<string, OpRule> = {
  ...msQuantizeRules,
  DynamicQuantizeLinear: dynamicQuantize,
  FusedConv: convRule,
  FusedGemm: matmulRules.Gemm!,
  FusedMatMul: fusedMatMul,
  TransposeMatMul: fusedMatMul,
  SkipLayerNormalization: skipLayerNorm,
  SkipSimplifiedLayerNormalization: skipLayerNorm,
  LayerNormalization: nnRules.LayerNormalization!,
  SimplifiedLayerNormalization: (ctx) => [ctx.tensor(0), normStats(ctx, ElemType.FLOAT)],
  Attention: attention,
  MultiHeadAttention: multiHeadAttention,
  GroupQueryAttention: groupQueryAttention,
  QLinearAdd: qlinearBinary,
  QLinearMul: qlinearBinary,
  QLinearConcat: qlinearConcat,
  QLinearAveragePool: channelsLast(convPoolRules.AveragePool!),
  QLinearGlobalAveragePool: channelsLast(convPoolRules.GlobalAveragePool!),
  QLinearConv: convPoolRules.QLinearConv!,
  QLinearMatMul: matmulRules.QLinearMatMul!,
  QGemm: qGemm,
  QAttention: qAttention,
  DynamicQuantizeMatMul: matmulTo((ctx) => ctx.elem(0) || ElemType.FLOAT),
  MatMulIntegerToFloat: matmulTo((ctx) => ctx.elem(2) || ElemType.FLOAT),
  MatMulInteger16: matmulTo(() => ElemType.INT32),
  MatMulNBits: matMulNBits,
  MatMulBnb4: matMulNBits,
  EmbedLayerNormalization: embedLayerNorm,
  BiasSplitGelu: biasSplitGelu,
  BiasDropout: biasDropout,
};
for (const op of SAME) microsoftRules[op] = sameType;
