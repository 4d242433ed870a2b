import type { Graph } from '../../ir/graph.js';
import type { NodeId } from '../../ir/journal.js';
import type { IrModel } from '../../ir/model.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import { AttrType, type AttributeProto, type TensorProto } from '../../onnx/proto-types.js';
import { encodeRawValues } from '../../onnx/tensor-values.js';
import type { ValueFacts } from '../../rewrite/value-facts.js';
import { FreshNames } from '../float/fresh-names.js';
import { syncInitializerInputs } from '../initializer-inputs.js';
import { quantizeInt4Blocks } from './block-quantize.js';

// MatMul with a constant 2-D float32 weight → com.microsoft MatMulNBits (4 bits, weight only).
// A keeps its float type; the weight's float32 bytes go (when nothing else reads them) and its
// packed codes, scales and zero points come in.

export interface Int4Options {
  blockSize: 16 | 32 | 64 | 128;
  symmetric: boolean;
  /** MatMulNBits accuracy_level (0: unset; 4: A quantized to int8 inside, fastest on CPU). */
  accuracyLevel: number;
  scope: ReadonlySet<NodeId> | undefined;
}

export interface Int4Report {
  converted: number;
  /** MatMuls left as they were, with why (one line each). */
  skipped: string[];
  /** Bytes of the float32 weights replaced, and of what replaced them. */
  weightBytesBefore: number;
  weightBytesAfter: number;
}

const int = (name: string, i: number): AttributeProto => ({ name, type: AttrType.INT, i });

function raw(name: string, dataType: number, dims: number[], rawData: Uint8Array): TensorProto {
  return { name, dataType, dims, rawData };
}

// Why a MatMul cannot become MatMulNBits, or undefined when it can.
function refusal(g: Graph, n: IrNode, facts: ValueFacts): string | undefined {
  const [a, b] = n.inputs;
  const weight = b ? facts.constant(g, b) : undefined;
  if (!weight) return 'its weight (input B) is not a constant';
  if (weight.dataType !== ElemType.FLOAT) return 'its weight is not float32';
  if ((weight.dims ?? []).length !== 2) return 'its weight is not 2-D';
  const at = a ? facts.tensor(g, a) : undefined;
  if (at?.elemType !== ElemType.FLOAT) return 'input A is not known to be float32';
  if (!at.shape || at.shape.length < 2) return 'input A is not known to have rank 2 or more';
  if (!(facts.values(weight) instanceof Float32Array)) return 'its weight data is not loaded';
  return undefined;
}

/** Rewrites every eligible MatMul of the main graph (in scope) in place; the caller holds the transaction. */
export function matmulsToNBits(model: IrModel, facts: ValueFacts, options: Int4Options): Int4Report {
  const g = model.graph;
  const names = new FreshNames(model);
  const report: Int4Report = { converted: 0, skipped: [], weightBytesBefore: 0, weightBytesAfter: 0 };
  const matmuls = [...g.nodes].filter((n) => n.opType === 'MatMul' && n.inDefaultDomain && (!options.scope || options.scope.has(n.id)));
  for (const n of matmuls) {
    const why = refusal(g, n, facts);
    if (why) {
      report.skipped.push(`${n.label}: ${why}`);
      continue;
    }
    const [a, b] = n.inputs as [string, string];
    const weight = facts.constant(g, b)!;
    const [k, cols] = (weight.dims ?? []).map(Number) as [number, number];
    const q = quantizeInt4Blocks(facts.values(weight) as Float32Array, k, cols, options.blockSize, options.symmetric);
    const base = b.replace(/[^A-Za-z0-9_.]/g, '_');
    const packed = names.take(`${base}_q4`);
    const scales = names.take(`${base}_scales`);
    const added = [raw(packed, ElemType.UINT8, [cols, q.blocks, options.blockSize / 2], q.packed), raw(scales, ElemType.FLOAT, [cols, q.blocks], encodeRawValues(ElemType.FLOAT, q.scales))];
    if (q.zeroPoints) added.push(raw(names.take(`${base}_zp`), ElemType.UINT8, [cols, Math.ceil(q.blocks / 2)], q.zeroPoints));
    for (const t of added) g.addInitializer(t);
    const inputs = [a, ...added.map((t) => t.name!)];
    const attributes = [int('K', k), int('N', cols), int('bits', 4), int('block_size', options.blockSize)];
    if (options.accuracyLevel) attributes.push(int('accuracy_level', options.accuracyLevel));
    g.replaceNodes([n], [{ opType: 'MatMulNBits', domain: 'com.microsoft', name: n.name || undefined, inputs, outputs: [...n.outputs], attributes }]);
    report.converted++;
    report.weightBytesBefore += 4 * k * cols;
    report.weightBytesAfter += q.packed.length + 4 * q.scales.length + (q.zeroPoints?.length ?? 0);
    // The float32 weight goes when nothing else reads it.
    const unread = !g.consumers(b).size && !g.isGraphOutput(b) && !g.subgraphReaders(b).length;
    const constant = g.producer(b);
    if (unread && constant) g.removeNode(constant);
    const dropInit = unread && !constant && g.initializers.has(b);
    if (dropInit) g.removeInitializer(b);
    syncInitializerInputs(model, added, dropInit ? [b] : []);
  }
  if (report.converted) model.addOpsetImport('com.microsoft', 1);
  return report;
}
