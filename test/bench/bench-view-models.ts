import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

// Transformer models written out op by op, the way torch.onnx's TorchScript exporter writes them
// (layer norms, GELU and every reshape's shape arithmetic as separate nodes, names scoped like
// `/transformer/h.3/attn/MatMul_1`): about 120 nodes per layer. Used by the view benchmark and
// the layout tests; the weights are tiny, the graph is what matters.

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;

class Writer {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly used = new Map<string, number>();
  private readonly consts = new Map<string, string>();
  private values = 0;

  /** The scope of the last node written: where a Constant node for the next one goes. */
  private scope = '';

  constructor(
    private readonly hidden: number,
    /** Small int and float constants as a Constant node at each use (as torch.onnx writes them), not shared initializers. */
    private readonly constantNodes = false,
  ) {}

  /** A Constant node in the current scope holding `value`. */
  private constant(value: TensorProto): string {
    return this.op(this.scope, 'Constant', [], { value })[0]!;
  }

  /** Adds a node named like the exporter names it and returns its outputs. */
  op(scope: string, opType: string, inputs: string[], attributes?: Parameters<typeof node>[3], outputs = 1): string[] {
    this.scope = scope;
    const base = `${scope}/${opType}`;
    const seen = this.used.get(base) ?? 0;
    this.used.set(base, seen + 1);
    const name = seen ? `${base}_${seen}` : base;
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    this.values += outputs;
    this.nodes.push(node(opType, inputs, outs, attributes, { name }));
    return outs;
  }

  one(scope: string, opType: string, inputs: string[], attributes?: Parameters<typeof node>[3]): string {
    return this.op(scope, opType, inputs, attributes)[0]!;
  }

  /** An int64 constant initializer shared by every node that needs the same values. */
  ints(values: number[]): string {
    if (this.constantNodes) return this.constant(tensor('value', I64, values.length === 1 ? [] : [values.length], values));
    const key = `i${values.join(',')}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_${key.replace(/[^0-9a-z]/gi, '_')}`;
      this.inits.push(tensor(name, I64, values.length === 1 ? [] : [values.length], values));
      this.consts.set(key, name);
    }
    return name;
  }

  float(value: number): string {
    if (this.constantNodes) return this.constant(tensor('value', F, [], [value]));
    const key = `f${value}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_f${this.consts.size}`;
      this.inits.push(tensor(name, F, [], [value]));
      this.consts.set(key, name);
    }
    return name;
  }

  weight(name: string, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    let s = this.inits.length + 1;
    for (let i = 0; i < count; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      values[i] = (s / 0x7fffffff - 0.5) * 0.2;
    }
    this.inits.push(tensor(name, F, dims, values));
    return name;
  }

  layerNorm(scope: string, x: string, prefix: string): string {
    const mean = this.one(scope, 'ReduceMean', [x], { axes: [-1] });
    const d = this.one(scope, 'Sub', [x, mean]);
    const sq = this.one(scope, 'Pow', [d, this.float(2)]);
    const v = this.one(scope, 'ReduceMean', [sq], { axes: [-1] });
    const e = this.one(scope, 'Add', [v, this.float(1e-5)]);
    const s = this.one(scope, 'Sqrt', [e]);
    const n = this.one(scope, 'Div', [d, s]);
    const g = this.one(scope, 'Mul', [n, this.weight(`${prefix}.weight`, [this.hidden])]);
    return this.one(scope, 'Add', [g, this.weight(`${prefix}.bias`, [this.hidden])]);
  }

  /** x.view(-1, in) @ W + b, then viewed back: the shape arithmetic GPT-2's Conv1D exports. */
  linear(scope: string, x: string, prefix: string, inDim: number, outDim: number): string {
    const shape = this.one(scope, 'Shape', [x]);
    const b = this.one(scope, 'Gather', [shape, this.ints([0])], { axis: 0 });
    const s = this.one(scope, 'Gather', [shape, this.ints([1])], { axis: 0 });
    const flat = this.one(scope, 'Reshape', [x, this.ints([-1, inDim])]);
    const mm = this.one(scope, 'Gemm', [flat, this.weight(`${prefix}.weight`, [inDim, outDim]), this.weight(`${prefix}.bias`, [outDim])]);
    const ub = this.one(scope, 'Unsqueeze', [b, this.ints([0])]);
    const us = this.one(scope, 'Unsqueeze', [s, this.ints([0])]);
    const back = this.one(scope, 'Concat', [ub, us, this.ints([outDim])], { axis: 0 });
    return this.one(scope, 'Reshape', [mm, back]);
  }

  /** [B, S, H] → [B, heads, S, H/heads] (or its transpose for keys). */
  splitHeads(scope: string, x: string, heads: number, perm: number[]): string {
    const shape = this.one(scope, 'Shape', [x]);
    const b = this.one(scope, 'Gather', [shape, this.ints([0])], { axis: 0 });
    const s = this.one(scope, 'Gather', [shape, this.ints([1])], { axis: 0 });
    const ub = this.one(scope, 'Unsqueeze', [b, this.ints([0])]);
    const us = this.one(scope, 'Unsqueeze', [s, this.ints([0])]);
    const target = this.one(scope, 'Concat', [ub, us, this.ints([heads, this.hidden / heads])], { axis: 0 });
    const r = this.one(scope, 'Reshape', [x, target]);
    return this.one(scope, 'Transpose', [r], { perm });
  }

  attention(scope: string, x: string, prefix: string, heads: number, mask: string, causal: boolean): string {
    const h = this.hidden;
    const qkv = this.linear(scope, x, `${prefix}.c_attn`, h, 3 * h);
    const [q, k, v] = this.op(scope, 'Split', [qkv, this.ints([h, h, h])], { axis: 2 }, 3) as [string, string, string];
    const qh = this.splitHeads(scope, q, heads, [0, 2, 1, 3]);
    const kh = this.splitHeads(scope, k, heads, [0, 2, 3, 1]);
    const vh = this.splitHeads(scope, v, heads, [0, 2, 1, 3]);
    const scores = this.one(scope, 'MatMul', [qh, kh]);
    // The scale is computed from v's shape, as the exporter writes `v.size(-1) ** 0.5`.
    const vshape = this.one(scope, 'Shape', [vh]);
    const vdim = this.one(scope, 'Gather', [vshape, this.ints([3])], { axis: 0 });
    const vdimf = this.one(scope, 'Cast', [vdim], { to: F });
    const scale = this.one(scope, 'Sqrt', [vdimf]);
    const scaled = this.one(scope, 'Div', [scores, scale]);
    let masked = this.one(scope, 'Add', [scaled, mask]);
    if (causal) {
      const shape = this.one(scope, 'Shape', [scaled]);
      const len = this.one(scope, 'Gather', [shape, this.ints([3])], { axis: 0 });
      const qshape = this.one(scope, 'Shape', [qh]);
      const qlen = this.one(scope, 'Gather', [qshape, this.ints([2])], { axis: 0 });
      const diff = this.one(scope, 'Sub', [len, qlen]);
      const ud = this.one(scope, 'Unsqueeze', [diff, this.ints([0])]);
      const ul = this.one(scope, 'Unsqueeze', [len, this.ints([0])]);
      const bias = this.one(scope, 'Slice', [this.weight(`${prefix}.bias`, [1, 1, 64, 64]), ud, ul, this.ints([2])]);
      const sliced = this.one(scope, 'Slice', [bias, this.ints([0]), ul, this.ints([3])]);
      const cond = this.one(scope, 'Cast', [sliced], { to: ElemType.BOOL });
      masked = this.one(scope, 'Where', [cond, masked, this.float(-1e4)]);
    }
    const probs = this.one(scope, 'Softmax', [masked], { axis: -1 });
    const ctx = this.one(scope, 'MatMul', [probs, vh]);
    const t = this.one(scope, 'Transpose', [ctx], { perm: [0, 2, 1, 3] });
    const shape = this.one(scope, 'Shape', [t]);
    const b = this.one(scope, 'Gather', [shape, this.ints([0])], { axis: 0 });
    const s = this.one(scope, 'Gather', [shape, this.ints([1])], { axis: 0 });
    const ub = this.one(scope, 'Unsqueeze', [b, this.ints([0])]);
    const us = this.one(scope, 'Unsqueeze', [s, this.ints([0])]);
    const target = this.one(scope, 'Concat', [ub, us, this.ints([h])], { axis: 0 });
    const merged = this.one(scope, 'Reshape', [t, target]);
    return this.linear(scope, merged, `${prefix}.c_proj`, h, h);
  }

  gelu(scope: string, x: string): string {
    const half = this.one(scope, 'Mul', [x, this.float(0.5)]);
    const cube = this.one(scope, 'Pow', [x, this.float(3)]);
    const c = this.one(scope, 'Mul', [cube, this.float(0.044715)]);
    const inner = this.one(scope, 'Add', [x, c]);
    const scaled = this.one(scope, 'Mul', [inner, this.float(Math.sqrt(2 / Math.PI))]);
    const t = this.one(scope, 'Tanh', [scaled]);
    const t1 = this.one(scope, 'Add', [t, this.float(1)]);
    return this.one(scope, 'Mul', [half, t1]);
  }
}

/** Options of `transformerModel`. */
export interface TransformerOptions {
  layers: number;
  /** GPT-style decoder (causal mask, `/transformer/h.N`) or BERT-style encoder (`/encoder/layer.N`). */
  kind: 'decoder' | 'encoder';
  hidden?: number;
  heads?: number;
  /** Small constants as Constant nodes at each use, as exporters write them (default: shared initializers). */
  constantNodes?: boolean;
}

/** A transformer written op by op; node count ≈ 120 × layers + 20. */
export function transformerModel(o: TransformerOptions): ModelProto {
  const hidden = o.hidden ?? 32;
  const heads = o.heads ?? 4;
  const w = new Writer(hidden, o.constantNodes ?? false);
  const causal = o.kind === 'decoder';
  const root = causal ? '/transformer' : '/encoder';
  const ids = 'input_ids';
  const maskIn = 'attention_mask';
  const tok = w.one(`${root}/wte`, 'Gather', [w.weight(`${root.slice(1)}.wte.weight`, [256, hidden]), ids], { axis: 0 });
  const ishape = w.one(`${root}/wpe`, 'Shape', [ids]);
  const len = w.one(`${root}/wpe`, 'Gather', [ishape, w.ints([1])], { axis: 0 });
  const pos = w.one(`${root}/wpe`, 'Range', [w.ints([0]), len, w.ints([1])]);
  const pe = w.one(`${root}/wpe`, 'Gather', [w.weight(`${root.slice(1)}.wpe.weight`, [64, hidden]), pos], { axis: 0 });
  let x = w.one(root, 'Add', [tok, pe]);
  const m1 = w.one(`${root}/mask`, 'Unsqueeze', [maskIn, w.ints([1, 2])]);
  const m2 = w.one(`${root}/mask`, 'Cast', [m1], { to: F });
  const m3 = w.one(`${root}/mask`, 'Sub', [w.float(1), m2]);
  const mask = w.one(`${root}/mask`, 'Mul', [m3, w.float(-1e4)]);
  for (let l = 0; l < o.layers; l++) {
    const scope = causal ? `${root}/h.${l}` : `${root}/layer.${l}`;
    const prefix = scope.slice(1).replace(/\//g, '.');
    const a = w.layerNorm(`${scope}/ln_1`, x, `${prefix}.ln_1`);
    const att = w.attention(`${scope}/attn`, a, `${prefix}.attn`, heads, mask, causal);
    x = w.one(scope, 'Add', [x, att]);
    const b = w.layerNorm(`${scope}/ln_2`, x, `${prefix}.ln_2`);
    const up = w.linear(`${scope}/mlp`, b, `${prefix}.mlp.c_fc`, hidden, 4 * hidden);
    const act = w.gelu(`${scope}/mlp/act`, up);
    const down = w.linear(`${scope}/mlp`, act, `${prefix}.mlp.c_proj`, 4 * hidden, hidden);
    x = w.one(scope, 'Add', [x, down]);
  }
  const out = w.layerNorm(`${root}/ln_f`, x, `${root.slice(1)}.ln_f`);
  const logits = w.one('/lm_head', 'MatMul', [out, w.weight('lm_head.weight', [hidden, 256])]);
  w.nodes.push(node('Identity', [logits], ['logits'], undefined, { name: '/lm_head/Identity' }));
  const g = graph({
    name: causal ? 'gpt_decoder' : 'bert_encoder',
    nodes: w.nodes,
    inputs: [valueInfo(ids, I64, ['batch', 'sequence']), valueInfo(maskIn, I64, ['batch', 'sequence'])],
    outputs: [valueInfo('logits', F, ['batch', 'sequence', 256])],
    initializers: w.inits,
  });
  return model(g, { opset: 17, producerName: 'onnx-workbench-bench', metadata: { layers: String(o.layers) } });
}

/** Layers for about `nodes` nodes. */
export function layersFor(nodes: number, constantNodes = false): number {
  const count = (layers: number) => transformerModel({ layers, kind: 'decoder', constantNodes }).graph!.node!.length;
  const perLayer = count(2) - count(1);
  return Math.max(1, Math.round((nodes - 20) / perLayer));
}
