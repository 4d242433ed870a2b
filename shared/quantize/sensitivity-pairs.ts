// Which tensor of a quantized model to set beside each float node's output for a sensitivity
// report. Quantization keeps value names: a QDQ model computes the float node's output under its
// own name and passes it through QuantizeLinear → DequantizeLinear, whose output is what readers
// see (so that is compared); a dynamic model's MatMulInteger chain ends in the MatMul's output
// name; a Relu folded into its Conv leaves the Relu's output name on the Conv. Values the
// quantized model does not compute (a Conv output whose Relu was folded, a BatchNormalization
// fused away) have no counterpart and are skipped.

import type { GraphProto, NodeProto } from '../onnx/proto-types.js';

/** Where a float node's output is read in the quantized model. */
export interface LayerMatch {
  /** The quantized model's tensor compared (after DequantizeLinear where there is one). */
  quantTensor: string;
  /** The quantized model's node computing the value (the name quantize --exclude takes). */
  quantNode: string;
}

export interface SensitivityPair extends LayerMatch {
  node: string;
  opType: string;
  tensor: string;
}

/** Operators that only move values into and out of integers. */
export const QUANT_PLUMBING_OPS: ReadonlySet<string> = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);

/** Operators computing in integers (standard and com.microsoft). */
export const INTEGER_OPS: ReadonlySet<string> = new Set([
  'MatMulInteger', 'ConvInteger', 'QLinearConv', 'QLinearMatMul', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'MatMulNBits',
  'QLinearAdd', 'QLinearMul', 'QLinearConcat', 'QLinearGlobalAveragePool', 'QLinearAveragePool', 'QLinearSigmoid', 'QLinearSoftmax', 'QLinearLeakyRelu', 'QGemm',
]);

/** The name a node goes by (onnxruntime's profiler names unnamed ones `<OpType>_<index>`). */
export function nodeName(n: NodeProto, index: number): string {
  return n.name || `${n.opType ?? ''}_${index}`;
}

function indexNodes(g: GraphProto): { producer: Map<string, NodeProto>; consumers: Map<string, NodeProto[]>; names: Map<NodeProto, string> } {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  const names = new Map<NodeProto, string>();
  (g.node ?? []).forEach((n, i) => {
    names.set(n, nodeName(n, i));
    for (const o of n.output ?? []) if (o) producer.set(o, n);
    for (const v of n.input ?? []) {
      if (!v) continue;
      const list = consumers.get(v);
      if (list) list.push(n);
      else consumers.set(v, [n]);
    }
  });
  return { producer, consumers, names };
}

// The steps from an integer operator to the float result in a dynamic chain (Cast, the scale's Mul, the bias's Add).
const CHAIN_OPS = new Set(['Cast', 'Mul', 'Add']);
const CHAIN_DEPTH = 3;

/**
 * Whether `n` runs quantized: an integer operator, reading dequantized values, or ending an
 * integer operator's chain. Chains are made of nodes quantization added (names the float model
 * lacks): a float Add reading a chain's result (a residual) is not quantized itself.
 */
function computesQuantized(n: NodeProto, producer: ReadonlyMap<string, NodeProto>, added: (n: NodeProto) => boolean, depth: number): boolean {
  const op = n.opType ?? '';
  if (INTEGER_OPS.has(op)) return true;
  const chain = depth < CHAIN_DEPTH && CHAIN_OPS.has(op) && added(n);
  return (n.input ?? []).some((v) => {
    const p = v ? producer.get(v) : undefined;
    if (!p) return false;
    if (p.opType === 'DequantizeLinear' || INTEGER_OPS.has(p.opType ?? '')) return true;
    return chain && CHAIN_OPS.has(p.opType ?? '') && computesQuantized(p, producer, added, depth + 1);
  });
}

/**
 * The float nodes of `float`'s main graph whose first output the quantized model computes in a
 * quantized way (the value goes through a QuantizeLinear/DequantizeLinear pair, is computed by
 * an integer operator or at the end of its chain, or from dequantized values), each with the
 * quantized model's tensor to compare it with. In graph order.
 */
export function sensitivityPairs(float: GraphProto, quant: GraphProto): SensitivityPair[] {
  const q = indexNodes(quant);
  const floatNames = new Set((float.node ?? []).map(nodeName));
  const added = (n: NodeProto) => !floatNames.has(q.names.get(n)!);
  const floatInputs = new Set((float.input ?? []).map((v) => v.name));
  const pairs: SensitivityPair[] = [];
  (float.node ?? []).forEach((n, i) => {
    const tensor = n.output?.[0];
    const op = n.opType ?? '';
    if (!tensor || op === 'Constant' || QUANT_PLUMBING_OPS.has(op) || floatInputs.has(tensor)) return;
    const qp = q.producer.get(tensor);
    if (!qp) return;
    const dq = (q.consumers.get(tensor) ?? [])
      .filter((c) => c.opType === 'QuantizeLinear' && c.input?.[0] === tensor)
      .flatMap((c) => q.consumers.get(c.output?.[0] ?? '') ?? [])
      .find((d) => d.opType === 'DequantizeLinear');
    const quantized = !!dq || computesQuantized(qp, q.producer, added, 0);
    if (!quantized) return;
    pairs.push({ node: nodeName(n, i), opType: op, tensor, quantTensor: dq?.output?.[0] ?? tensor, quantNode: q.names.get(qp)! });
  });
  return pairs;
}
