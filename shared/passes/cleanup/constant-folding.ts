import type { IrNode } from '../../ir/node.js';
import { ElemType, rawByteLength } from '../../onnx/element-types.js';
import { elementCount } from '../../onnx/model-summary.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import { encodeRawValues } from '../../onnx/tensor-values.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import type { EvaluationContext, EvaluationRequest } from '../../verify/constant-evaluator.js';
import { isDeterministic } from './deterministic-ops.js';
import { constantInts } from './int-operands.js';
import { replaceWithConstants } from './replace-with-constants.js';

// Nodes whose inputs are all constant are run once, through the runtime, and replaced by their
// results. Work goes in waves: every node foldable now is evaluated in one batch, then the nodes
// those results made foldable, so a chain folds in one run.

// DequantizeLinear of quantized weights would fold to float weights, undoing the quantization
// (4x the size, and the runtime's quantized kernels no longer match). Sequence and optional
// values cannot be initializers.
const NEVER_FOLD: ReadonlySet<string> = new Set([
  'DequantizeLinear',
  'SequenceEmpty',
  'SequenceConstruct',
  'SequenceInsert',
  'SequenceErase',
  'SplitToSequence',
  'Optional',
  'OptionalGetElement',
  'OptionalHasElement',
]);

function tensorBytes(t: TensorProto): number | undefined {
  if (t.dataType === ElemType.STRING) return (t.stringData ?? []).reduce((n, s) => n + s.length, 0);
  return t.rawData && t.dataLocation !== 1 ? t.rawData.length : rawByteLength(t.dataType ?? 0, elementCount(t));
}

function product(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a * b, 1n);
}

// Broadcast of two shapes' element count (the node fails at run time where they do not broadcast).
function broadcastCount(a: readonly bigint[], b: readonly bigint[]): bigint {
  const rank = Math.max(a.length, b.length);
  let n = 1n;
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1n;
    const y = b[b.length - rank + i] ?? 1n;
    n *= x === 1n ? y : x;
  }
  return n;
}

/**
 * Bytes the node's outputs will take, for the ops that make big tensors from small inputs
 * (ConstantOfShape, Expand, Tile, Range) and wherever facts know every output's shape; undefined
 * when that cannot be told before running it.
 */
function predictedBytes(ctx: PassContext, n: IrNode): number | undefined {
  const g = ctx.graph;
  const inputDims = (i: number) => {
    const t = n.inputs[i] ? ctx.facts.constant(g, n.inputs[i]) : undefined;
    return t && (t.dims ?? []).map((d) => BigInt(d));
  };
  const inputType = (i: number) => ctx.facts.constant(g, n.inputs[i] ?? '')?.dataType ?? 0;
  let count: bigint | undefined;
  let elemType = 0;
  switch (n.opType) {
    case 'ConstantOfShape': {
      const shape = n.inputs[0] ? constantInts(ctx, n.inputs[0]) : undefined;
      if (shape) count = product(shape);
      elemType = n.attribute('value')?.t?.dataType ?? ElemType.FLOAT;
      break;
    }
    case 'Expand': {
      const shape = n.inputs[1] ? constantInts(ctx, n.inputs[1]) : undefined;
      const dims = inputDims(0);
      if (shape && dims) count = broadcastCount(dims, shape);
      elemType = inputType(0);
      break;
    }
    case 'Tile': {
      const repeats = n.inputs[1] ? constantInts(ctx, n.inputs[1]) : undefined;
      const dims = inputDims(0);
      if (repeats && dims && repeats.length === dims.length) count = product(dims.map((d, i) => d * repeats[i]!));
      elemType = inputType(0);
      break;
    }
    case 'Range': {
      const [start, limit, delta] = [0, 1, 2].map((i) => ctx.facts.numbers(g, n.inputs[i] ?? '')?.[0]);
      const steps = start !== undefined && limit !== undefined && delta ? Math.ceil((limit - start) / delta) : NaN;
      if (Number.isFinite(steps)) count = BigInt(Math.max(steps, 0));
      elemType = inputType(0);
      break;
    }
  }
  if (count !== undefined) return rawByteLength(elemType, Number(count));
  let total = 0;
  for (const out of n.outputs) {
    if (out === '') continue;
    const shape = ctx.facts.staticShape(g, out);
    const bytes = shape && rawByteLength(ctx.facts.tensor(g, out)?.elemType ?? 0, shape.reduce((a, b) => a * b, 1));
    if (bytes === undefined) return undefined;
    total += bytes;
  }
  return total;
}

/**
 * Bytes of the initializers only this node reads: folding it leaves them unread, so results up to
 * that size do not grow the model (Transpose or Reshape of a weight, a weight times a scalar),
 * whatever the size limit. Exporters leave such nodes on weights larger than the limit
 * (torch.onnx's dynamo exporter writes Linear on 3-D and 4-D inputs as MatMul(x, Transpose(W))).
 */
function freedBytes(ctx: PassContext, n: IrNode): number {
  const g = ctx.graph;
  let freed = 0;
  for (const v of new Set(n.inputs)) {
    const t = v === '' ? undefined : g.initializers.get(v);
    // External data stays under the limit: its folded result would be held in the model's message.
    if (!t || t.dataLocation === 1 || g.isGraphInput(v) || g.usedOutside(v, new Set([n]))) continue;
    freed += tensorBytes(t) ?? 0;
  }
  return freed;
}

// The evaluator takes tensors whose bytes are in the message: external data comes in as raw_data
// when the host has loaded it (else the evaluator refuses it, and the node stays).
function inMemory(ctx: PassContext, t: TensorProto): TensorProto {
  if (t.dataLocation !== 1) return t;
  const v = ctx.facts.values(t);
  if (!v || Array.isArray(v)) return t;
  const { externalData: _e, dataLocation: _d, ...rest } = t;
  return { ...rest, rawData: encodeRawValues(t.dataType ?? 0, v) };
}

function foldable(ctx: PassContext, n: IrNode): boolean {
  if (!isDeterministic(n) || NEVER_FOLD.has(n.opType) || !ctx.inScope([n])) return false;
  if (n.inputs.length === 0 && n.opType !== 'Constant') return false;
  const g = ctx.graph;
  // A subgraph's results stay computed (see replaceWithConstants).
  if (g.parent && n.outputs.some((v) => g.isGraphOutput(v))) return false;
  if (!n.inputs.every((v) => v === '' || ctx.facts.constant(g, v) !== undefined)) return false;
  // Nodes nothing reads are dead code: no need to compute them.
  return n.outputs.some((v) => v !== '' && g.usedOutside(v, new Set([n])));
}

// Nodes the runtime could not evaluate, or whose results were over the limit, with what they
// were evaluated on: repeats and later rounds of the pass manager must not evaluate them again.
const refused = new WeakMap<IrNode, { limit: number; inputs: readonly (TensorProto | undefined)[] }>();

function wasRefused(n: IrNode, limit: number, inputs: readonly (TensorProto | undefined)[]): boolean {
  const r = refused.get(n);
  return r !== undefined && r.limit === limit && r.inputs.length === inputs.length && r.inputs.every((t, i) => t === inputs[i]);
}

/** Replaces nodes whose inputs are all constant by initializers holding their outputs, evaluated by the runtime. */
export const constantFolding: Pass = {
  name: 'constant-folding',
  description:
    'evaluates deterministic nodes whose inputs are all constant and replaces them by initializers (up to the fold size limit, ' +
    'or to the size of the initializers only they read)',
  target: 'portable',
  requires: ['runtime'],
  // Not `exact`: a MatMul or Gemm whose matrix becomes constant sums its products in other
  // groupings (onnxruntime prepacks constant matrices); see the `folding` level in tolerance.ts.
  numerics: 'folding',
  keepsTypes: true,
  repeat: true,
  async run(ctx) {
    const evaluator = ctx.evaluator;
    if (!evaluator) return 0;
    const meta = ctx.model.meta;
    const evalCtx: EvaluationContext = { opsetImports: meta.opsetImport ?? [], irVersion: meta.irVersion ?? 0 };
    const given = new Set<IrNode>(); // evaluated or skipped once in this run: not tried again
    let folded = 0;
    for (;;) {
      const wave: { node: IrNode; inputs: (TensorProto | undefined)[]; limit: number }[] = [];
      for (const n of [...ctx.graph.nodes]) {
        if (given.has(n) || !foldable(ctx, n)) continue;
        given.add(n);
        // A Constant's value is at hand (except a sparse one, which the runtime makes dense), and
        // moving it to an initializer creates no data: no size limit there.
        const value = n.opType === 'Constant' ? ctx.facts.constant(ctx.graph, n.outputs[0]!) : undefined;
        if (value) {
          if (replaceWithConstants(ctx, n, [value])) folded++;
          continue;
        }
        const predicted = predictedBytes(ctx, n);
        const inputs = n.inputs.map((v) => (v === '' ? undefined : ctx.facts.constant(ctx.graph, v)));
        const limit = Math.max(ctx.foldSizeLimit, freedBytes(ctx, n));
        if ((predicted === undefined || predicted <= limit) && !wasRefused(n, limit, inputs)) wave.push({ node: n, inputs, limit });
      }
      if (wave.length === 0) break;
      const requests: EvaluationRequest[] = wave.map(({ node, inputs }) => ({ node: node.proto, inputs: inputs.map((t) => t && inMemory(ctx, t)) }));
      const outcomes = await evaluator.evaluateMany(requests, evalCtx);
      for (const [i, { node, inputs, limit }] of wave.entries()) {
        const o = outcomes[i];
        const bytes = o?.ok ? o.outputs.reduce((sum, t) => sum + (t === undefined ? 0 : (tensorBytes(t) ?? Infinity)), 0) : Infinity;
        // Each output within the limit, or all of them within what the fold frees.
        const fits = o?.ok && (o.outputs.every((t) => t === undefined || (tensorBytes(t) ?? Infinity) <= ctx.foldSizeLimit) || bytes <= limit);
        if (!fits) {
          refused.set(node, { limit, inputs });
        } else if (replaceWithConstants(ctx, node, o.outputs)) folded++;
      }
    }
    return folded;
  },
};
