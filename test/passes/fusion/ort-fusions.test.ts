import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { ORT_FUSIONS } from '../../../shared/passes/fusion/ort-index.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';

ort.env.logLevel = 'error';

// One BERT encoder layer as torch exports it at opset 17: attention (K transposed in two steps,
// so FusedMatMul could take Q·Kᵀ·scale if it ran first), output projection, residual + LayerNorm,
// feed-forward with the erf Gelu written out, residual + LayerNorm.
const B = 2, S = 8, N = 4, D = 8, H = N * D, FF = 64;

function bertEncoder(layers: number): IrModel {
  const rand = mulberry32(21);
  const w = (name: string, dims: number[], offset = 0) =>
    tensor(name, ElemType.FLOAT, dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => offset + (rand() - 0.5) * 0.4));
  const f = ElemType.FLOAT;
  const inits: TensorProto[] = [];
  const info: ValueInfoProto[] = [];
  const nodes: NodeProto[] = [];
  const linear = (x: string, name: string, din: number, dout: number, shape: number[]) => {
    inits.push(w(`${name}_w`, [din, dout]), w(`${name}_b`, [dout]));
    nodes.push(node('MatMul', [x, `${name}_w`], [`${name}_mm`]), node('Add', [`${name}_mm`, `${name}_b`], [name]));
    info.push(valueInfo(`${name}_mm`, f, shape), valueInfo(name, f, shape));
    return name;
  };
  const layerNorm = (x: string, name: string) => {
    inits.push(w(`${name}_g`, [H], 1), w(`${name}_beta`, [H]));
    nodes.push(node('LayerNormalization', [x, `${name}_g`, `${name}_beta`], [name], { axis: -1, epsilon: attrFloat(1e-12) }));
    // Declared as shape inference would: the skip fusion needs both summands' shapes.
    info.push(valueInfo(name, f, [B, S, H]));
    return name;
  };
  inits.push(tensor('heads', ElemType.INT64, [4], [0, 0, N, D]), tensor('merged', ElemType.INT64, [3], [0, 0, H]), scalar('sqrt_d', f, Math.sqrt(D)));
  inits.push(scalar('sqrt2', f, Math.SQRT2), scalar('one', f, 1), scalar('half', f, 0.5));
  const layer = (x: string, l: string, out: string) => {
    for (const p of ['q', 'k', 'v']) {
      linear(x, `${l}${p}`, H, H, [B, S, H]);
      nodes.push(node('Reshape', [`${l}${p}`, 'heads'], [`${l}${p}_r`]), node('Transpose', [`${l}${p}_r`], [`${l}${p}_t`], { perm: [0, 2, 1, 3] }));
    }
    nodes.push(
      node('Transpose', [`${l}k_t`], [`${l}k_tt`], { perm: [0, 1, 3, 2] }),
      node('MatMul', [`${l}q_t`, `${l}k_tt`], [`${l}scores`]),
      node('Div', [`${l}scores`, 'sqrt_d'], [`${l}scaled`]),
      node('Add', [`${l}scaled`, 'mask'], [`${l}masked`]),
      node('Softmax', [`${l}masked`], [`${l}probs`], { axis: -1 }),
      node('MatMul', [`${l}probs`, `${l}v_t`], [`${l}context`]),
      node('Transpose', [`${l}context`], [`${l}context_t`], { perm: [0, 2, 1, 3] }),
      node('Reshape', [`${l}context_t`, 'merged'], [`${l}attn`]),
    );
    const proj = linear(`${l}attn`, `${l}proj`, H, H, [B, S, H]);
    nodes.push(node('Add', [proj, x], [`${l}res1`]));
    const ln1 = layerNorm(`${l}res1`, `${l}ln1`);
    const up = linear(ln1, `${l}up`, H, FF, [B, S, FF]);
    nodes.push(
      node('Div', [up, 'sqrt2'], [`${l}erf_in`]),
      node('Erf', [`${l}erf_in`], [`${l}erf`]),
      node('Add', [`${l}erf`, 'one'], [`${l}erf1`]),
      node('Mul', [up, `${l}erf1`], [`${l}gx`]),
      node('Mul', [`${l}gx`, 'half'], [`${l}gelu`]),
    );
    info.push(valueInfo(`${l}gelu`, f, [B, S, FF]));
    const down = linear(`${l}gelu`, `${l}down`, FF, H, [B, S, H]);
    nodes.push(node('Add', [down, ln1], [`${l}res2`]));
    layerNorm(`${l}res2`, out);
  };
  for (let i = 0; i < layers; i++) layer(i === 0 ? 'x' : `l${i - 1}_out`, `l${i}_`, i === layers - 1 ? 'y' : `l${i}_out`);
  return new IrModel(
    model(
      graph({
        nodes,
        inputs: [valueInfo('x', f, [B, S, H]), valueInfo('mask', f, [B, 1, 1, S])],
        outputs: [valueInfo('y', f, [B, S, H])],
        initializers: inits,
        valueInfo: info,
      }),
    ),
  );
}

async function run(m: IrModel, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(concatSegments(encodeModel(m.toProto())), { graphOptimizationLevel: 'disabled' });
  const out = await s.run(feeds);
  await s.release();
  return out.y!.data as Float32Array;
}

describe('ORT_FUSIONS', () => {
  it('turns exported BERT layers into MultiHeadAttention, SkipLayerNormalization and BiasGelu, outputs unchanged', async () => {
    const m = bertEncoder(2);
    const rand = mulberry32(5);
    const feeds = {
      x: new ort.Tensor('float32', Float32Array.from({ length: B * S * H }, () => rand() * 2 - 1), [B, S, H]),
      mask: new ort.Tensor('float32', Float32Array.from({ length: B * S }, (_, i) => (i >= S + 5 ? -10000 : 0)), [B, 1, 1, S]),
    };
    const before = await run(m, feeds);
    const original = concatSegments(encodeModel(m.toProto()));
    const r = await runPasses(m, ORT_FUSIONS, { target: 'onnxruntime' });
    expect(Object.fromEntries(r.passes.map((p) => [p.name, p.matches]))).toEqual({
      'ort-fuse-attention': 2,
      'ort-fuse-skip-layernorm': 4,
      'ort-fuse-gelu': 2,
      'ort-fuse-bias-gelu': 2,
      'ort-fuse-matmul-transpose': 0,
      'ort-fuse-quick-gelu': 0,
      'ort-fuse-conv-activation': 0,
    });
    const count = new Map<string, number>();
    for (const n of m.graph.nodes) count.set(n.opType, (count.get(n.opType) ?? 0) + 1);
    // One Expand of the shared mask serves both layers.
    expect(Object.fromEntries(count)).toEqual({ MatMul: 12, Expand: 1, MultiHeadAttention: 2, SkipLayerNormalization: 4, BiasGelu: 2 });
    const after = await run(m, feeds);
    const bad = Array.from(before).findIndex((e, i) => !(Math.abs(after[i]! - e) <= 1e-4 + 1e-3 * Math.abs(e)));
    expect(bad, `element ${bad}: ${after[bad]} vs ${before[bad]}`).toBe(-1);
    // Every rewrite (and the com.microsoft import) is journaled: undo gives back the file as it was.
    while (m.journal.canUndo) m.journal.undo();
    expect(Buffer.compare(Buffer.from(concatSegments(encodeModel(m.toProto()))), Buffer.from(original))).toBe(0);
  });
});
