// Applies a static quantization plan: Relu/Clip folded into the quantized output before them,
// a QuantizeLinear/DequantizeLinear pair on every planned activation tensor (its readers take the
// dequantized value), and weights and biases stored as int8/int32 initializers read through a
// DequantizeLinear. onnxruntime's QDQ transformers then run each DQ → op → Q group as one integer
// kernel (QLinearConv, QGemm, …).

import { attr, tensor } from '../builder/index.js';
import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { ElemType } from '../onnx/element-types.js';
import { paramsForRange, type QuantParams } from './quant-params.js';
import { quantizeBias, quantizeTensor } from './quantize-tensor.js';
import { CORE_OPS, type StaticQuantOptions, type TensorRange } from './static-options.js';
import { isConstantInitializer } from './initializer-inputs.js';
import { raiseOpset } from './raise-opset.js';
import type { StaticPlan } from './static-plan.js';

/** What applying a plan did. */
export interface StaticResult {
  quantizedNodes: number;
  foldedActivations: number;
  qdqPairs: number;
  weights: number;
}

const QTYPE = { uint8: ElemType.UINT8, int8: ElemType.INT8 } as const;

class Names {
  constructor(private readonly g: Graph) {}
  private readonly taken = new Set<string>();
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.g.defines(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

function resolveParams(plan: StaticPlan, ranges: ReadonlyMap<string, TensorRange>, o: StaticQuantOptions): Map<string, QuantParams> {
  const params = new Map<string, QuantParams>();
  const of = (t: string, depth = 0): QuantParams => {
    const known = params.get(t);
    if (known) return known;
    const q = plan.tensors.get(t);
    if (!q || depth > plan.tensors.size) throw new Error(`quantize: no parameters planned for ${t}`);
    let p: QuantParams;
    if (q.own) {
      const r = ranges.get(t);
      if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new WorkbenchError('NO_RANGE', `quantize-static: no finite calibrated range for tensor '${t}'`);
      p = paramsForRange(r.min, r.max, o.activationType, { symmetric: o.symmetric });
    } else p = of(q.sameAs, depth + 1);
    params.set(t, p);
    return p;
  };
  for (const t of plan.tensors.keys()) of(t);
  return params;
}

/** Whether a Conv/Gemm/MatMul with a constant weight is left in float reading a tensor the plan quantizes. */
function floatReaderOfInt8(g: Graph, plan: StaticPlan): boolean {
  const planned = new Set(plan.nodes);
  // A Constant node's output is as constant to onnxruntime as an initializer (a model not prepared by the preset keeps them).
  const constant = (v: string) => g.initializers.has(v) || g.producer(v)?.opType === 'Constant';
  return [...g.nodes].some((n) => (CORE_OPS as readonly string[]).includes(n.opType) && !planned.has(n) && plan.tensors.has(n.inputs[0] ?? '') && constant(n.inputs[1] ?? ''));
}

/**
 * Applies `plan` to the model's main graph (inside the caller's transaction). `ranges` holds the
 * calibrated range of every tensor rangesNeeded(plan) names; `floats` reads a float initializer.
 */
export function applyStatic(model: IrModel, plan: StaticPlan, ranges: ReadonlyMap<string, TensorRange>, o: StaticQuantOptions, floats: (name: string) => ArrayLike<number>): StaticResult {
  const g = model.graph;
  const opset = model.opsetVersion('') ?? 0;
  if (o.perChannel && opset < 13) throw new WorkbenchError('OPSET_TOO_OLD', `quantize-static: per-channel weights need opset 13 (the model has ${opset}); quantize per tensor`);
  const params = resolveParams(plan, ranges, o);
  // QuantizeLinear came in opset 10: older models are raised where every node keeps its meaning.
  // onnxruntime (1.20 and later) quantizes a float Conv/Gemm/MatMul with a constant weight that reads
  // a DequantizeLinear output itself, writing Round (opset 11) for its bias: an opset-10 model with
  // such a node (one left in float between quantized ones) does not load. Raised to 11 then, where
  // the model allows; else to 10, as before.
  if (opset < 11 && floatReaderOfInt8(model.graph, plan)) {
    try {
      raiseOpset(model, 11, 'quantize-static', 'Round, which onnxruntime writes when it quantizes a float Conv, Gemm or MatMul reading an int8 tensor,');
    } catch (e) {
      if (!(e instanceof WorkbenchError)) throw e;
      if (opset < 10) raiseOpset(model, 10, 'quantize-static', 'QuantizeLinear');
    }
  } else if (opset < 10) raiseOpset(model, 10, 'quantize-static', 'QuantizeLinear');
  const names = new Names(g);

  for (const { producer, activation } of plan.folds) {
    const out = activation.outputs[0]!;
    g.removeNode(activation);
    g.setOutput(producer, 0, out);
  }

  const scalarInit = (base: string, type: number, value: number): string => {
    const name = names.fresh(base);
    g.addInitializer(tensor(name, type, [], [value]));
    return name;
  };

  // HardSwish(x) = x · HardSigmoid(x) (alpha 1/6, beta 0.5): HardSigmoid is monotonic, so its range is
  // that of x mapped through it, with no calibration of its own.
  const rangeOf = (t: string): TensorRange => {
    const q = plan.tensors.get(t);
    return q && !q.own ? rangeOf(q.sameAs) : ranges.get(t)!;
  };
  const hardSigmoid = (v: number) => Math.min(1, Math.max(0, v / 6 + 0.5));
  for (const n of plan.hardSwish) {
    const [x] = n.inputs;
    const out = n.outputs[0]!;
    const r = rangeOf(x!);
    const hs = names.fresh(`${out}_hardsigmoid`);
    g.replaceNodes([n], [
      { opType: 'HardSigmoid', name: names.fresh(`${n.name || 'HardSwish'}_HardSigmoid`), inputs: [x!], outputs: [hs], attributes: [attr('alpha', 1 / 6), attr('beta', 0.5)] },
      { opType: 'Mul', name: names.fresh(`${n.name || 'HardSwish'}_Mul`), inputs: [x!, hs], outputs: [out] },
    ]);
    params.set(hs, paramsForRange(hardSigmoid(r.min), hardSigmoid(r.max), o.activationType, { symmetric: o.symmetric }));
  }

  // Activations: Q then DQ, every reader moved to the DQ's output.
  for (const [t, p] of params) {
    const readers = [...g.consumers(t)];
    const origin = g.producer(t) ?? readers[0];
    const derived = origin ? [origin] : [];
    const scale = scalarInit(`${t}_scale`, ElemType.FLOAT, p.scale);
    const zp = scalarInit(`${t}_zero_point`, QTYPE[o.activationType], p.zeroPoint);
    const q = names.fresh(`${t}_quantized`);
    const dq = names.fresh(`${t}_dequantized`);
    g.addNode({ opType: 'QuantizeLinear', name: names.fresh(`${t}_QuantizeLinear`), inputs: [t, scale, zp], outputs: [q] }, derived);
    g.addNode({ opType: 'DequantizeLinear', name: names.fresh(`${t}_DequantizeLinear`), inputs: [q, scale, zp], outputs: [dq] }, derived);
    for (const r of readers) r.inputs.forEach((v, i) => v === t && g.setInput(r, i, dq));
  }

  // Constant inputs of Add/Mul: stored quantized as activations (their own range, widened to 0), one DQ each.
  const constantDq = new Map<string, string>();
  for (const { node, input } of plan.constants) {
    const name = node.inputs[input]!;
    let dq = constantDq.get(name);
    if (!dq) {
      const init = g.initializers.get(name)!;
      const dims = (init.dims ?? []).map(Number);
      const qt = quantizeTensor(floats(name), dims, { type: o.activationType, symmetric: o.symmetric });
      const qName = names.fresh(`${name}_quantized`);
      g.addInitializer(tensor(qName, QTYPE[o.activationType], dims, Array.from(qt.values)));
      const scale = scalarInit(`${name}_scale`, ElemType.FLOAT, qt.scales[0]!);
      const zp = scalarInit(`${name}_zero_point`, QTYPE[o.activationType], qt.zeroPoints[0]!);
      dq = names.fresh(`${name}_dequantized`);
      g.addNode({ opType: 'DequantizeLinear', name: names.fresh(`${name}_DequantizeLinear`), inputs: [qName, scale, zp], outputs: [dq] }, [node]);
      constantDq.set(name, dq);
    }
    g.setInput(node, input, dq);
  }
  for (const name of constantDq.keys()) if (g.consumers(name).size === 0 && !g.isGraphOutput(name) && isConstantInitializer(model, g, name)) g.removeInitializer(name);

  // Weights first: a bias's scale is its input's scale times its weight's.
  const weightScales = new Map<IrNode, number[]>();
  const dropped = new Set<string>();
  const uses = [...plan.weights].sort((a, b) => (a.role === b.role ? 0 : a.role === 'weight' ? -1 : 1));
  for (const u of uses) {
    const name = u.node.inputs[u.input]!;
    const init = g.initializers.get(name)!;
    const dims = (init.dims ?? []).map(Number);
    let values: Int8Array | Int32Array | Uint8Array;
    let scales: number[];
    let zeroPoints: number[];
    let type: number;
    if (u.role === 'weight') {
      const qt = quantizeTensor(floats(name), dims, { type: 'int8', symmetric: true, reduceRange: o.reduceRange, ...(o.perChannel ? { axis: u.axis } : {}) });
      ({ values, scales, zeroPoints } = qt);
      type = ElemType.INT8;
      weightScales.set(u.node, scales);
    } else {
      const inputScale = params.get(plan.biasInput.get(u.node)!)!.scale;
      const qb = quantizeBias(floats(name), inputScale, weightScales.get(u.node)!);
      values = qb.values;
      scales = qb.scales;
      zeroPoints = scales.map(() => 0);
      type = ElemType.INT32;
    }
    const perAxis = scales.length > 1;
    const qName = names.fresh(`${name}_quantized`);
    g.addInitializer(tensor(qName, type, dims, Array.from(values)));
    const sName = names.fresh(`${name}_scale`);
    const zName = names.fresh(`${name}_zero_point`);
    g.addInitializer(tensor(sName, ElemType.FLOAT, perAxis ? [scales.length] : [], scales));
    g.addInitializer(tensor(zName, type, perAxis ? [zeroPoints.length] : [], zeroPoints));
    const dq = names.fresh(`${name}_dequantized`);
    g.addNode(
      { opType: 'DequantizeLinear', name: names.fresh(`${name}_DequantizeLinear`), inputs: [qName, sName, zName], outputs: [dq], ...(perAxis ? { attributes: [attr('axis', u.role === 'weight' ? u.axis : 0)] } : {}) },
      [u.node],
    );
    g.setInput(u.node, u.input, dq);
    dropped.add(name);
  }
  for (const name of dropped) if (g.consumers(name).size === 0 && !g.isGraphOutput(name) && isConstantInitializer(model, g, name)) g.removeInitializer(name);

  return { quantizedNodes: plan.nodes.length, foldedActivations: plan.folds.length, qdqPairs: params.size, weights: plan.weights.length };
}
