// Dynamic int8 quantization: weights stored as int8 ahead of time, activations quantized at run
// time from their own range (no calibration). MatMul and Gemm become, under the onnxruntime
// target, one com.microsoft DynamicQuantizeMatMul; portable, the standard DynamicQuantizeLinear →
// MatMulInteger → Cast → Mul chain (onnxruntime fuses that into the same kernel). Conv, only when
// asked for, becomes DynamicQuantizeLinear → ConvInteger (uint8 weights per tensor, as onnxruntime's
// CPU kernel takes): measured 5–10x slower than float Conv on CPU, hence not by default.

import { attr, tensor } from '../builder/index.js';
import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { orderNodes } from '../ir/topo-order.js';
import { ElemType } from '../onnx/element-types.js';
import type { Target } from '../rewrite/pass.js';
import { quantizeTensor } from './quantize-tensor.js';
import { isConstantInitializer } from './initializer-inputs.js';
import { raiseOpset } from './raise-opset.js';

export const DYNAMIC_OPS = ['MatMul', 'Gemm', 'Conv'] as const;
export const DEFAULT_DYNAMIC_OPS: readonly string[] = ['MatMul', 'Gemm'];

export interface DynamicQuantOptions {
  perChannel: boolean;
  ops: readonly string[];
  exclude: readonly string[];
  target: Target;
}

interface Candidate {
  node: IrNode;
  /** Weight [K, N] for MatMul/Gemm (Gemm's transB undone), or the Conv's [M, C, k…]. */
  weight: string;
  transposeWeight: boolean;
  bias?: string;
}

function floatInit(model: IrModel, v: string | undefined, rank?: number): boolean {
  const t = v && isConstantInitializer(model, model.graph, v) ? model.graph.initializers.get(v) : undefined;
  return !!t && t.dataType === ElemType.FLOAT && (rank === undefined || (t.dims ?? []).length === rank);
}

const attrNum = (n: IrNode, name: string, fallback: number) => {
  const a = n.attribute(name);
  return a?.f ?? (a?.i !== undefined ? Number(a.i) : fallback);
};

/** The nodes dynamic quantization rewrites, in graph order. */
export function planDynamic(model: IrModel, o: DynamicQuantOptions, scope: ReadonlySet<NodeId> | undefined): Candidate[] {
  const g = model.graph;
  const excluded = new Set(o.exclude);
  const out: Candidate[] = [];
  for (const n of orderNodes(g)) {
    if (!o.ops.includes(n.opType) || !n.inDefaultDomain || (scope && !scope.has(n.id)) || excluded.has(n.name) || excluded.has(String(n.id))) continue;
    const [a, w, c] = n.inputs;
    if (!a || g.initializers.has(a)) continue;
    if (n.opType === 'MatMul' && floatInit(model, w, 2)) out.push({ node: n, weight: w!, transposeWeight: false });
    if (n.opType === 'Gemm' && floatInit(model, w, 2) && attrNum(n, 'transA', 0) === 0 && attrNum(n, 'alpha', 1) === 1 && (!c || (attrNum(n, 'beta', 1) === 1 && floatInit(model, c, 1)))) {
      out.push({ node: n, weight: w!, transposeWeight: attrNum(n, 'transB', 0) === 1, ...(c ? { bias: c } : {}) });
    }
    if (n.opType === 'Conv' && floatInit(model, w) && (g.initializers.get(w!)!.dims ?? []).length >= 3 && (!c || floatInit(model, c, 1))) {
      out.push({ node: n, weight: w!, transposeWeight: false, ...(c ? { bias: c } : {}) });
    }
  }
  return out;
}

function transpose2d(v: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c]!;
  return t;
}

/** Rewrites the planned nodes (inside the caller's transaction); returns how many. */
export function applyDynamic(model: IrModel, plan: readonly Candidate[], o: DynamicQuantOptions, floats: (name: string) => ArrayLike<number>): number {
  const g = model.graph;
  const taken = new Set<string>();
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name) || g.defines(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const init = (base: string, type: number, dims: number[], values: ArrayLike<number>) => {
    const name = fresh(base);
    g.addInitializer(tensor(name, type, dims, Array.from(values)));
    return name;
  };
  // DynamicQuantizeLinear came in opset 11: without it onnxruntime refuses the model (PaddleOCR's rec is opset 9).
  const opset = model.opsetVersion('') ?? 0;
  const standard = plan.find((p) => p.node.opType === 'Conv' || o.target !== 'onnxruntime');
  // Older models are raised where every node keeps its meaning (onnxruntime's quantizer raises blindly).
  if (standard && opset < 11) raiseOpset(model, 11, 'quantize-dynamic', 'DynamicQuantizeLinear');
  if (plan.some((p) => p.node.opType !== 'Conv') && o.target === 'onnxruntime' && model.opsetVersion('com.microsoft') === undefined) model.addOpsetImport('com.microsoft', 1);
  const dropped = new Set<string>();

  for (const p of plan) {
    const n = p.node;
    const dims = (g.initializers.get(p.weight)!.dims ?? []).map(Number);
    const conv = n.opType === 'Conv';
    let values = floats(p.weight);
    let wdims = dims;
    if (p.transposeWeight) {
      values = transpose2d(values, dims[0]!, dims[1]!);
      wdims = [dims[1]!, dims[0]!];
    }
    // Output channels: the Conv's first axis, a [K, N] weight's second.
    const axis = conv ? 0 : 1;
    // onnxruntime's ConvInteger takes one weight zero point only: Conv is quantized per tensor.
    const q = quantizeTensor(values, wdims, { type: conv ? 'uint8' : 'int8', symmetric: !conv, ...(o.perChannel && !conv ? { axis } : {}) });
    const perAxis = q.scales.length > 1;
    const qtype = conv ? ElemType.UINT8 : ElemType.INT8;
    const base = p.weight;
    const wq = init(`${base}_quantized`, qtype, wdims, q.values);
    const ws = init(`${base}_scale`, ElemType.FLOAT, perAxis ? [q.scales.length] : [], q.scales);
    const wz = init(`${base}_zero_point`, qtype, perAxis ? [q.zeroPoints.length] : [], q.zeroPoints);
    const x = n.inputs[0]!;
    const y = n.outputs[0]!;
    const name = n.name || `${n.opType}_${n.id}`;
    const specs: Parameters<Graph['addNode']>[0][] = [];
    if (!conv && o.target === 'onnxruntime') {
      specs.push({ opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', name: fresh(`${name}_quant`), inputs: [x, wq, ws, wz, ...(p.bias ? [p.bias] : [])], outputs: [y] });
    } else {
      const xq = fresh(`${x}_quantized`);
      const xs = fresh(`${x}_scale`);
      const xz = fresh(`${x}_zero_point`);
      const acc = fresh(`${y}_int32`);
      const accF = fresh(`${y}_int32_float`);
      const scale = fresh(`${y}_scale`);
      const scaled = p.bias ? fresh(`${y}_unbiased`) : y;
      specs.push({ opType: 'DynamicQuantizeLinear', name: fresh(`${name}_DynamicQuantizeLinear`), inputs: [x], outputs: [xq, xs, xz] });
      const core = conv
        ? { opType: 'ConvInteger', name: fresh(`${name}_ConvInteger`), inputs: [xq, wq, xz, wz], outputs: [acc], attributes: n.attributes.filter((a) => a.name !== 'activation') }
        : { opType: 'MatMulInteger', name: fresh(`${name}_MatMulInteger`), inputs: [xq, wq, xz, wz], outputs: [acc] };
      specs.push(core);
      specs.push({ opType: 'Cast', name: fresh(`${name}_Cast`), inputs: [acc], outputs: [accF], attributes: [attr('to', ElemType.FLOAT)] });
      specs.push({ opType: 'Mul', name: fresh(`${name}_scale_Mul`), inputs: [xs, ws], outputs: [scale] });
      specs.push({ opType: 'Mul', name: fresh(`${name}_Mul`), inputs: [accF, scale], outputs: [scaled] });
      if (p.bias) {
        const bias = conv ? init(`${p.bias}_by_channel`, ElemType.FLOAT, [dims[0]!, ...dims.slice(2).map(() => 1)], floats(p.bias)) : p.bias;
        specs.push({ opType: 'Add', name: fresh(`${name}_bias_Add`), inputs: [scaled, bias], outputs: [y] });
      }
    }
    g.replaceNodes([n], specs);
    dropped.add(p.weight);
    if (p.bias && conv) dropped.add(p.bias);
  }
  for (const name of dropped) if (g.consumers(name).size === 0 && !g.isGraphOutput(name) && isConstantInitializer(model, g, name)) g.removeInitializer(name);
  return plan.length;
}
