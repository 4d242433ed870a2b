// Which nodes static quantization turns to int8 and which tensors need ranges for it. Reading
// only: plan first (calibration asks for the ranges of `rangesNeeded`), then insert-qdq.ts
// applies the plan.

import { ElemType } from '../onnx/element-types.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { orderNodes } from '../ir/topo-order.js';
import { inferShapes, type ShapeInference } from '../shape/infer.js';
import { CORE_OPS, FOLDED_ACTIVATIONS, OWN_PARAMS_OPS, SAME_PARAMS_OPS, STATIC_OPS, type StaticQuantOptions } from './static-options.js';
import { isConstantInitializer } from './initializer-inputs.js';
import { MIN_WEIGHT_SQNR_DB, quantizedSqnrDb } from './weight-fidelity.js';

/** A quantized weight (or bias) input of a core node. */
export interface WeightUse {
  node: IrNode;
  input: number;
  /** Per-channel axis of the weight (output channels), or of the bias (0). */
  axis: number;
  role: 'weight' | 'bias';
}

/** A tensor that gets a QuantizeLinear/DequantizeLinear pair: calibrated itself, or sharing another's parameters. */
export type TensorQuant = { own: true } | { own: false; sameAs: string };

/** What static quantization will do to a graph. */
export interface StaticPlan {
  /** Nodes run quantized (core and between ops), in graph order. */
  nodes: IrNode[];
  /** Relu/Clip nodes removed, their range taken by the producer's quantized output. */
  folds: { producer: IrNode; activation: IrNode }[];
  /** Activation tensors that get Q/DQ pairs, by name (the name after folds). */
  tensors: Map<string, TensorQuant>;
  /** Weight and bias inputs quantized to initializers. */
  weights: WeightUse[];
  /** The core node's activation input, whose scale the bias scale multiplies. */
  biasInput: Map<IrNode, string>;
  /**
   * Constant float inputs of Add/Mul (HardSwish's +3, a scale, a bias), quantized from their own
   * values as activations (onnxruntime's quantizer does the same), so that these ops run as
   * QLinearAdd/QLinearMul instead of breaking the integer chain with a DQ/Q pair.
   */
  constants: { node: IrNode; input: number }[];
  /** HardSwish nodes written as HardSigmoid + Mul (their HardSigmoid's range follows from the input's). */
  hardSwish: IrNode[];
  /** Conv/Gemm/MatMul nodes left in float because their weight keeps too little in int8 (weight-fidelity.ts). */
  coarseWeights: { node: IrNode; sqnrDb: number }[];
}

const CORE = new Set<string>(CORE_OPS);
const SAME = new Set<string>(SAME_PARAMS_OPS);
const OWN = new Set<string>(OWN_PARAMS_OPS);
const FOLDED = new Set<string>(FOLDED_ACTIVATIONS);
const CONSTANT_INPUT_OPS = new Set(['Add', 'Mul']);
/**
 * Ops quantized, as onnxruntime's quantizer quantizes them, even where no input is quantized yet:
 * their float inputs get Q/DQ pairs of their own. Measured on PP-OCRv4 rec (random inputs, 40
 * samples), leaving them float where their input came from a float op (a HardSwish's Div, a
 * LayerNorm's variance) cost 0.005 of output cosine against onnxruntime's result: the calibrated
 * range then clips what the int8 chain's noise adds (a variance inflated by it, an affine after
 * HardSwish), and the chain after them (Mul, Add, pools) runs as QLinear ops.
 */
const ANY_INPUT_OPS = new Set(['Add', 'Mul']);

/** The names of the tensors calibration must give ranges for. */
export function rangesNeeded(plan: StaticPlan): string[] {
  return [...plan.tensors].filter(([, q]) => q.own).map(([name]) => name);
}

function floatInitializer(model: IrModel, value: string | undefined): boolean {
  return !!value && isConstantInitializer(model, model.graph, value) && model.graph.initializers.get(value)!.dataType === ElemType.FLOAT;
}

function isConstant(model: IrModel, value: string): boolean {
  return isConstantInitializer(model, model.graph, value);
}

// A Clip folds when its bounds are absent or constants with min ≤ 0 ≤ max: the quantized range,
// widened to include 0, then clips as it did. Values are read by the caller's `scalar`.
function foldable(model: IrModel, act: IrNode, scalar: (v: string) => number | undefined): boolean {
  if (act.opType === 'Relu') return true;
  // Clip before opset 11 has its bounds as attributes (defaults: unbounded).
  const [mina, maxa] = [act.attribute('min'), act.attribute('max')];
  if (mina || maxa) return Number(mina?.f ?? -Infinity) <= 0 && Number(maxa?.f ?? Infinity) >= 0;
  const [, lo, hi] = act.inputs;
  const min = lo ? scalar(lo) : -Infinity;
  const max = hi ? scalar(hi) : Infinity;
  return min !== undefined && max !== undefined && min <= 0 && max >= 0 && (!lo || isConstant(model, lo)) && (!hi || isConstant(model, hi));
}

/**
 * Plans static quantization of the main graph. A node is quantized when its op is allowed,
 * it is in `scope` (when given) and not excluded (by name or id): Conv/Gemm/MatMul with constant
 * float weights; the ops between them only where an input is already quantized, so that chains
 * stay integer and no lone op pays a Q/DQ pair for nothing.
 */
export function planStatic(
  model: IrModel,
  o: StaticQuantOptions,
  scope: ReadonlySet<NodeId> | undefined,
  scalar: (v: string) => number | undefined,
  floats?: (v: string) => ArrayLike<number>,
): StaticPlan {
  const g = model.graph;
  const allowed = new Set(o.ops ?? STATIC_OPS);
  const excluded = new Set(o.exclude);
  const may = (n: IrNode) => allowed.has(n.opType) && n.inDefaultDomain && (!scope || scope.has(n.id)) && !excluded.has(n.name) && !excluded.has(String(n.id));
  const plan: StaticPlan = { nodes: [], folds: [], tensors: new Map(), weights: [], biasInput: new Map(), constants: [], hardSwish: [], coarseWeights: [] };
  const minSqnr = o.minWeightSqnrDb ?? MIN_WEIGHT_SQNR_DB;
  const own = (t: string) => {
    if (!plan.tensors.has(t)) plan.tensors.set(t, { own: true });
  };
  const quantized = (t: string) => plan.tensors.has(t);
  const folded = new Set<IrNode>();
  let inferred: ShapeInference | undefined;
  const isFloat = (v: string) => {
    const t = (inferred ??= inferShapes(model)).typeOf(g, v);
    return t?.kind === 'tensor' && t.elemType === ElemType.FLOAT;
  };

  // The output a quantized node's result goes out as: its own, or that of a Relu/Clip folded into it.
  const output = (n: IrNode): string | undefined => {
    const out = n.outputs[0]!;
    if (g.isGraphOutput(out)) return undefined;
    const readers = [...g.consumers(out)];
    const act = readers.length === 1 && g.subgraphReaders(out).length === 0 ? readers[0]! : undefined;
    // Folded, the activation's clipping is done by the quantized output: a graph output has none.
    if (act && FOLDED.has(act.opType) && may(act) && !o.symmetric && foldable(model, act, scalar) && act.inputs[0] === out && !g.isGraphOutput(act.outputs[0]!)) {
      plan.folds.push({ producer: n, activation: act });
      folded.add(act);
      return act.outputs[0]!;
    }
    return out;
  };

  // Producers first: a node joins when its input is quantized already (fusions append their nodes last).
  for (const n of orderNodes(g)) {
    if (folded.has(n) || !may(n) || n.outputs.length !== 1 && !(n.opType === 'MaxPool' && !n.outputs[1])) continue;
    const [x, w, b] = n.inputs;
    if (CORE.has(n.opType)) {
      if (!x || isConstant(model, x)) continue;
      const weight = floatInitializer(model, w);
      const rank = weight ? (g.initializers.get(w!)!.dims ?? []).length : 0;
      if (n.opType === 'Conv' && !(weight && rank >= 3)) continue;
      // ConvTranspose weights are [C, M/group, k…]: per-channel (axis 1) holds output channels only without groups.
      if (n.opType === 'ConvTranspose' && !(weight && rank >= 3 && Number(n.attribute('group')?.i ?? 1) === 1)) continue;
      if (n.opType === 'Gemm' && !(weight && rank === 2)) continue;
      // MatMul: a constant [K, N] weight, or a second activation already quantized (attention scores).
      if (n.opType === 'MatMul' && !(weight ? rank === 2 : w && quantized(w))) continue;
      if (b && !floatInitializer(model, b)) {
        if (n.opType !== 'Gemm') continue;
      }
      const axis = n.opType === 'Conv' ? 0 : n.opType === 'ConvTranspose' ? 1 : n.opType === 'Gemm' && Number(n.attribute('transB')?.i ?? 0) === 1 ? 0 : 1;
      if (weight && floats && minSqnr > 0) {
        // Measured as it will be stored: int8 symmetric, per tensor or per channel.
        const dims = (g.initializers.get(w!)!.dims ?? []).map(Number);
        const sqnrDb = quantizedSqnrDb(floats(w!), dims, { type: 'int8', symmetric: true, reduceRange: o.reduceRange, ...(o.perChannel ? { axis } : {}) });
        if (sqnrDb < minSqnr) {
          plan.coarseWeights.push({ node: n, sqnrDb });
          continue;
        }
      }
      plan.nodes.push(n);
      own(x);
      if (weight) {
        plan.weights.push({ node: n, input: 1, axis, role: 'weight' });
        const biasDims = b ? (g.initializers.get(b)?.dims ?? []) : [];
        if (b && floatInitializer(model, b) && biasDims.length === 1) {
          plan.weights.push({ node: n, input: 2, axis: 0, role: 'bias' });
          plan.biasInput.set(n, x);
        }
      } else own(w!);
      const out = output(n);
      if (out) own(out);
      continue;
    }
    if (SAME.has(n.opType)) {
      if (!x || !quantized(x) || g.isGraphOutput(n.outputs[0]!)) continue;
      plan.nodes.push(n);
      plan.tensors.set(n.outputs[0]!, { own: false, sameAs: x });
      continue;
    }
    if (n.opType === 'HardSwish') {
      if (!x || !quantized(x)) continue;
      plan.nodes.push(n);
      plan.hardSwish.push(n);
      const out = output(n);
      if (out) own(out);
      continue;
    }
    if (OWN.has(n.opType)) {
      const inputs = n.inputs.filter((v) => v);
      const constant = (v: string) => CONSTANT_INPUT_OPS.has(n.opType) && floatInitializer(model, v);
      if (inputs.some((v) => isConstant(model, v) && !constant(v)) || inputs.length !== n.inputs.length) continue;
      if (!inputs.some(quantized)) {
        // Float inputs only (not shape arithmetic on integers), and one computed input at least.
        const computed = inputs.filter((v) => !isConstant(model, v));
        if (!ANY_INPUT_OPS.has(n.opType) || !computed.length || g.isGraphOutput(n.outputs[0]!) || ![...computed, n.outputs[0]!].every(isFloat)) continue;
      }
      plan.nodes.push(n);
      n.inputs.forEach((v, i) => (constant(v) ? plan.constants.push({ node: n, input: i }) : own(v)));
      const out = output(n);
      if (out) own(out);
    }
  }
  return plan;
}
