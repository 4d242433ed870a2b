import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ortFuseAttention } from '../../../shared/passes/fusion/ort-attention.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';

// A BERT-like attention block: batch 2, 4 heads of 8 (hidden 32), query length 8.
const B = 2, S = 8, N = 4, D = 8, H = N * D;

interface BlockOptions {
  /** Key/value length (cross-attention when ≠ S, from a second input "mem"). */
  t?: number;
  mask?: number[] | 'none';
  bias?: 'const' | 'input' | 'none';
  /** Where the scale goes: on the scores (Div by √D), on Q (Mul), split √ between Q and K, or the mask added before it. */
  scale?: 'div-scores' | 'mul-scores' | 'q' | 'qk' | 'mask-first' | 'input';
  scaleValue?: number;
  kTransposes?: 1 | 2;
  vShape?: number[];
  softmaxAxis?: number;
  probsAsOutput?: boolean;
  declareShapes?: boolean;
}

function block(o: BlockOptions = {}): IrModel {
  const t = o.t ?? S;
  const rand = mulberry32(7);
  const w = (name: string, dims: number[]) => tensor(name, ElemType.FLOAT, dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (rand() - 0.5) * 0.6));
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [w('wq', [H, H]), w('wk', [H, H]), w('wv', [H, H])];
  const inputs: ValueInfoProto[] = [valueInfo('x', ElemType.FLOAT, [B, S, H])];
  const info: ValueInfoProto[] = [];
  const kvSource = t === S ? 'x' : 'mem';
  if (t !== S) inputs.push(valueInfo('mem', ElemType.FLOAT, [B, t, H]));
  const bias = o.bias ?? 'const';
  for (const [p, src, len] of [['q', 'x', S], ['k', kvSource, t], ['v', kvSource, t]] as const) {
    nodes.push(node('MatMul', [src, `w${p}`], [`${p}_mm`]));
    info.push(valueInfo(`${p}_mm`, ElemType.FLOAT, [B, len, H]));
    if (bias === 'none') nodes.push(node('Identity', [`${p}_mm`], [`${p}_in`]));
    else {
      if (bias === 'const') inits.push(w(`b${p}`, [H]));
      else inputs.push(valueInfo(`b${p}`, ElemType.FLOAT, [H]));
      nodes.push(node('Add', [`${p}_mm`, `b${p}`], [`${p}_in`]));
    }
    info.push(valueInfo(`${p}_in`, ElemType.FLOAT, [B, len, H]));
    const shape = p === 'v' && o.vShape ? o.vShape : [0, 0, N, D];
    inits.push(tensor(`${p}_shape`, ElemType.INT64, [4], shape));
    nodes.push(node('Reshape', [`${p}_in`, `${p}_shape`], [`${p}_heads`]));
  }
  nodes.push(node('Transpose', ['q_heads'], ['q_t'], { perm: [0, 2, 1, 3] }));
  if ((o.kTransposes ?? 1) === 1) nodes.push(node('Transpose', ['k_heads'], ['k_t'], { perm: [0, 2, 3, 1] }));
  else nodes.push(node('Transpose', ['k_heads'], ['k_bnsd'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k_bnsd'], ['k_t'], { perm: [0, 1, 3, 2] }));
  nodes.push(node('Transpose', ['v_heads'], ['v_t'], { perm: [0, 2, 1, 3] }));
  const scale = o.scale ?? 'div-scores';
  const sv = o.scaleValue ?? 1 / Math.sqrt(D);
  let q = 'q_t', k = 'k_t';
  if (scale === 'q') {
    inits.push(scalar('q_scale', ElemType.FLOAT, sv));
    nodes.push(node('Mul', ['q_t', 'q_scale'], ['q_scaled']));
    q = 'q_scaled';
  } else if (scale === 'qk') {
    inits.push(scalar('half_scale', ElemType.FLOAT, Math.sqrt(sv)));
    nodes.push(node('Mul', ['q_t', 'half_scale'], ['q_scaled']), node('Mul', ['half_scale', 'k_t'], ['k_scaled']));
    [q, k] = ['q_scaled', 'k_scaled'];
  }
  nodes.push(node('MatMul', [q, k], ['scores']));
  let logits = 'scores';
  const mask = o.mask ?? [B, 1, 1, t];
  if (mask !== 'none') inputs.push(valueInfo('mask', ElemType.FLOAT, mask));
  if (scale === 'div-scores' || scale === 'mul-scores' || scale === 'input' || scale === 'mask-first') {
    if (scale === 'mask-first') nodes.push(node('Add', ['scores', 'mask'], ['masked']));
    if (scale === 'input') inputs.push(valueInfo('divisor', ElemType.FLOAT, []));
    else inits.push(scalar('s_scale', ElemType.FLOAT, scale === 'mul-scores' ? sv : 1 / sv));
    const from = scale === 'mask-first' ? 'masked' : 'scores';
    const c = scale === 'input' ? 'divisor' : 's_scale';
    nodes.push(scale === 'mul-scores' ? node('Mul', [c, from], ['scaled']) : node('Div', [from, c], ['scaled']));
    logits = 'scaled';
  }
  if (mask !== 'none' && scale !== 'mask-first') {
    nodes.push(node('Add', [logits, 'mask'], ['masked']));
    logits = 'masked';
  }
  nodes.push(node('Softmax', [logits], ['probs'], { axis: o.softmaxAxis ?? -1 }));
  nodes.push(node('MatMul', ['probs', 'v_t'], ['context']));
  nodes.push(node('Transpose', ['context'], ['context_t'], { perm: [0, 2, 1, 3] }));
  const vHidden = o.vShape ? o.vShape[2]! * o.vShape[3]! * (o.vShape[2] === 1 ? N : 1) : H;
  inits.push(tensor('out_shape', ElemType.INT64, [3], [0, 0, vHidden]));
  nodes.push(node('Reshape', ['context_t', 'out_shape'], ['y'], {}, { name: 'merge_heads' }));
  const outputs = [valueInfo('y', ElemType.FLOAT, [B, S, vHidden])];
  if (o.probsAsOutput) outputs.push(valueInfo('probs', ElemType.FLOAT, [B, N, S, t]));
  return new IrModel(model(graph({ nodes, inputs, outputs, initializers: inits, valueInfo: o.declareShapes === false ? [] : info })));
}

// ---- running and comparing (onnxruntime with its own optimizer off) ----

function feedsFor(m: IrModel, seed: number): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const vi of m.graph.inputs) {
    const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
    const n = dims.reduce((a, b) => a * b, 1);
    // The mask is additive: 0 where attended, -10000 on the last positions of the second sequence.
    const values = vi.name === 'mask' ? Array.from({ length: n }, (_, i) => (i >= n / 2 && i % dims[dims.length - 1]! >= 5 ? -10000 : 0)) : Array.from({ length: n }, () => rand() * 2 - 1);
    feeds[vi.name!] = new ort.Tensor('float32', Float32Array.from(values), dims);
  }
  return feeds;
}



const ops = (m: IrModel) => [...m.graph.nodes].map((n) => n.opType);
const mha = (m: IrModel) => [...m.graph.nodes].find((n) => n.opType === 'MultiHeadAttention');

async function fuseAndCompare(m: IrModel): Promise<void> {
  const feeds = feedsFor(m, 11);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, [ortFuseAttention], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(1);
  expect(m.opsetVersion('com.microsoft')).toBe(1);
  // With onnxruntime's own optimizer on as well: the fused nodes must survive its passes.
  for (const level of ['disabled', 'all'] as const) {
    const after = await outputs(m, feeds, level);
    for (const name of Object.keys(before)) expectClose(after[name]!, before[name]!);
  }
}

async function expectUnchanged(m: IrModel): Promise<void> {
  const bytes = concatSegments(encodeModel(m.toProto()));
  const r = await runPasses(m, [ortFuseAttention], { target: 'onnxruntime' });
  expect(r.passes[0]!.matches).toBe(0);
  expect(ops(m)).not.toContain('MultiHeadAttention');
  // Not even the com.microsoft import is added when nothing is fused.
  expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(bytes))).toBe(0);
}

describe('ort-fuse-attention', () => {
  it('fuses a BERT block with biases and a [B,1,1,T] mask (expanded over S for attention_bias)', async () => {
    const m = block();
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'MatMul', 'MatMul', 'Expand', 'MultiHeadAttention']);
    const node = mha(m)!;
    expect(node.domain).toBe('com.microsoft');
    expect(node.name).toBe('merge_heads');
    expect(node.inputs.slice(0, 3)).toEqual(['q_mm', 'k_mm', 'v_mm']);
    expect(node.inputs[4]).toBe('');
    expect(node.attribute('num_heads')?.i).toBe(N);
    // 1/√D is MultiHeadAttention's default scale.
    expect(node.attribute('scale')).toBeUndefined();
    const bias = m.graph.initializers.get(node.inputs[3]!)!;
    expect(bias.dims).toEqual([3 * H]);
  });

  it('fuses without a mask, the scale on Q and K transposed in two steps', async () => {
    const m = block({ mask: 'none', scale: 'q', kTransposes: 2, bias: 'none' });
    await fuseAndCompare(m);
    expect(ops(m)).toEqual(['MatMul', 'Identity', 'MatMul', 'Identity', 'MatMul', 'Identity', 'MultiHeadAttention']);
    expect(mha(m)!.inputs).toEqual(['q_in', 'k_in', 'v_in']);
  });

  it('sets the scale attribute to the constants found (split between Q and K, as torch writes it)', async () => {
    const m = block({ scale: 'qk', scaleValue: 0.2, mask: [B, 1, S, S] });
    await fuseAndCompare(m);
    // A full [B,1,S,T] mask is attention_bias as it is.
    expect(ops(m)).toEqual(['MatMul', 'MatMul', 'MatMul', 'MultiHeadAttention']);
    expect(mha(m)!.attribute('scale')?.f).toBeCloseTo(0.2, 6);
    expect(mha(m)!.inputs[5]).toBe('mask');
  });

  it('fuses cross-attention (T ≠ S) with a Mul scale on the scores and a rank-2 mask', async () => {
    const m = block({ t: 6, scale: 'mul-scores', mask: [S, 6] });
    await fuseAndCompare(m);
    expect(ops(m)).toContain('Expand');
  });

  it('keeps non-constant biases as Adds and fuses the rest', async () => {
    const m = block({ bias: 'input' });
    await fuseAndCompare(m);
    expect(ops(m).filter((o) => o === 'Add')).toHaveLength(3);
    expect(mha(m)!.inputs.slice(0, 4)).toEqual(['q_in', 'k_in', 'v_in', '']);
  });

  it('does not fuse when the probabilities are also a graph output', async () => {
    await expectUnchanged(block({ probsAsOutput: true }));
  });

  it('does not fuse inconsistent head counts (one shared V head broadcast by MatMul)', async () => {
    const m = block({ vShape: [0, 0, 1, H], mask: 'none' });
    // The model is valid (and runs): V's single head broadcasts over the 4 of Q·Kᵀ.
    expect((await outputs(m, feedsFor(m, 1))).y!.length).toBe(B * S * N * H);
    await expectUnchanged(m);
  });

  it('does not fuse a Softmax on another axis', async () => {
    await expectUnchanged(block({ softmaxAxis: 2 }));
  });

  it('does not fuse a non-constant scale, or a mask added before the scale', async () => {
    await expectUnchanged(block({ scale: 'input' }));
    await expectUnchanged(block({ scale: 'mask-first' }));
  });

  it('does not fuse when the projections’ shapes are unknown', async () => {
    await expectUnchanged(block({ declareShapes: false }));
  });

  it('is skipped for the portable target', async () => {
    const m = block();
    const r = await runPasses(m, [ortFuseAttention], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
    expect(ops(m)).not.toContain('MultiHeadAttention');
  });
});
