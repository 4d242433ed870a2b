import { attrInt, attrInts } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import type { Dim } from '../../rewrite/value-facts.js';
import { bypassNode } from './bypass-node.js';
import { asNumbers, constantInts, intOperand, normalizeAxes, rankOf } from './int-operands.js';

// Each check answers: does this node give back its first input unchanged, for every input a
// valid model can feed it? Anything the facts do not settle (a shape, a non-constant operand)
// means no. A node that is only the identity when the model is invalid (a Split whose sizes do
// not add up) is left alone too: removing it would turn a runtime error into an answer.

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function shapeOf(ctx: PassContext, value: string): Dim[] | undefined {
  return ctx.facts.tensor(ctx.graph, value)?.shape ?? undefined;
}

// Output dims are: the target where positive, the input's own dim where 0 (without allowzero),
// and the inferred remainder where -1. The result equals the input shape only when every
// explicit entry matches and the -1 is pinned by known non-zero dims around it.
function reshapeIsNoop(ctx: PassContext, n: IrNode): boolean {
  const target = intOperand(ctx, n, 'shape', 1);
  const input = shapeOf(ctx, n.inputs[0]!);
  if (!Array.isArray(target) || !input) return false;
  const t = asNumbers(target);
  if (!t || t.length !== input.length) return false;
  const allowZero = attrInt(n, 'allowzero', 0) !== 0;
  const copies = (i: number) => t[i] === 0 && !allowZero;
  let inferred = -1;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === -1) {
      if (inferred >= 0) return false;
      inferred = i;
    } else if (t[i]! < -1) return false;
    else if (!copies(i) && input[i] !== t[i]) return false;
  }
  if (inferred < 0) return true;
  // -1 is the element count divided by the other dims: the input's own dim when those are known and non-zero.
  return t.every((v, i) => {
    if (i === inferred) return true;
    const d = copies(i) ? input[i] : v;
    return typeof d === 'number' && d > 0;
  });
}

function transposeIsNoop(ctx: PassContext, n: IrNode): boolean {
  const perm = attrInts(n, 'perm');
  const rank = rankOf(ctx, n.inputs[0]!);
  // Without perm the dims are reversed: the identity only for rank 0 and 1.
  if (!perm) return rank !== undefined && rank <= 1;
  return perm.every((p, i) => p === i) && (rank === undefined || rank === perm.length);
}

// Any mode: with nothing added on either side, constant, reflect, edge and wrap all copy the input.
function padIsNoop(ctx: PassContext, n: IrNode): boolean {
  const pads = n.attribute('paddings') ? intOperand(ctx, n, 'paddings', 1) : intOperand(ctx, n, 'pads', 1);
  return Array.isArray(pads) && pads.every((p) => p === 0n);
}

function clamp(v: bigint, dim: bigint): bigint {
  const x = v < 0n ? v + dim : v;
  return x < 0n ? 0n : x > dim ? dim : x;
}

function sliceIsNoop(ctx: PassContext, n: IrNode): boolean {
  const starts = intOperand(ctx, n, 'starts', 1);
  const ends = intOperand(ctx, n, 'ends', 2);
  const axesOperand = intOperand(ctx, n, 'axes', 3);
  const steps = n.inputs[4] ? constantInts(ctx, n.inputs[4]) : 'absent';
  const shape = shapeOf(ctx, n.inputs[0]!);
  if (!Array.isArray(starts) || !Array.isArray(ends) || starts.length !== ends.length || !shape) return false;
  if (steps !== 'absent' && !(Array.isArray(steps) && steps.length === starts.length && steps.every((s) => s === 1n))) return false;
  const rawAxes = axesOperand === 'absent' ? starts.map((_, i) => BigInt(i)) : axesOperand;
  if (!Array.isArray(rawAxes) || rawAxes.length !== starts.length) return false;
  const axes = normalizeAxes(rawAxes, shape.length);
  if (!axes) return false;
  return axes.every((axis, k) => {
    const dim = shape[axis];
    const s = starts[k]!;
    const e = ends[k]!;
    if (typeof dim === 'number') return clamp(s, BigInt(dim)) === 0n && clamp(e, BigInt(dim)) === BigInt(dim);
    // An unknown dim is covered only by the extremes no dim can pass.
    return (s === 0n || s === INT64_MIN) && e === INT64_MAX;
  });
}

// The result is broadcast(input shape, target): the input's shape when every target entry is 1
// or the very same known dim, and the target has no extra leading dims.
function expandIsNoop(ctx: PassContext, n: IrNode): boolean {
  const target = n.inputs[1] ? constantInts(ctx, n.inputs[1]) : undefined;
  const shape = shapeOf(ctx, n.inputs[0]!);
  if (!target || !shape || target.length > shape.length) return false;
  const offset = shape.length - target.length;
  return target.every((t, k) => {
    const d = shape[offset + k];
    return t === 1n || (typeof d === 'number' && BigInt(d) === t);
  });
}

function concatIsNoop(n: IrNode): boolean {
  return n.inputs.length === 1;
}

// Squeeze without axes (or with an empty list, which onnxruntime reads the same way) drops every
// dim of size 1: the identity only when the shape is known and has none.
function squeezeIsNoop(ctx: PassContext, n: IrNode): boolean {
  const axes = intOperand(ctx, n, 'axes', 1);
  if (axes === undefined || (Array.isArray(axes) && axes.length > 0)) return false;
  const shape = shapeOf(ctx, n.inputs[0]!);
  return shape !== undefined && shape.every((d) => typeof d === 'number' && d !== 1);
}

function unsqueezeIsNoop(ctx: PassContext, n: IrNode): boolean {
  const axes = intOperand(ctx, n, 'axes', 1);
  return Array.isArray(axes) && axes.length === 0;
}

function splitIsNoop(ctx: PassContext, n: IrNode): boolean {
  if (n.outputs.length !== 1 || n.outputs[0] === '') return false;
  const shape = shapeOf(ctx, n.inputs[0]!);
  const axis = shape ? normalizeAxes([BigInt(attrInt(n, 'axis', 0))], shape.length)?.[0] : undefined;
  if (!shape || axis === undefined) return false;
  const split = intOperand(ctx, n, 'split', 1);
  const numOutputs = attrInt(n, 'num_outputs');
  if (split === 'absent') {
    // From opset 18 one of split / num_outputs must be given; without both the node is an error.
    return (ctx.opset('') ?? 0) < 18 ? numOutputs === undefined : numOutputs === 1;
  }
  // A single size must be the whole dim, or the node fails at run time.
  return Array.isArray(split) && numOutputs === undefined && split.length === 1 && typeof shape[axis] === 'number' && split[0] === BigInt(shape[axis]);
}

function tileIsNoop(ctx: PassContext, n: IrNode): boolean {
  if ((ctx.opset('') ?? 0) < 6) return false; // Tile-1 took tiles and axis inputs
  const repeats = n.inputs[1] ? constantInts(ctx, n.inputs[1]) : undefined;
  const rank = rankOf(ctx, n.inputs[0]!);
  return repeats !== undefined && repeats.every((r) => r === 1n) && (rank === undefined || rank === repeats.length);
}

const CHECKS: Readonly<Record<string, (ctx: PassContext, n: IrNode) => boolean>> = {
  Reshape: reshapeIsNoop,
  Transpose: transposeIsNoop,
  Pad: padIsNoop,
  Slice: sliceIsNoop,
  Expand: expandIsNoop,
  Concat: (_ctx, n) => concatIsNoop(n),
  Squeeze: squeezeIsNoop,
  Unsqueeze: unsqueezeIsNoop,
  Split: splitIsNoop,
  Tile: tileIsNoop,
};

/** Removes shape operators that return their input unchanged (identity Reshape/Transpose/Slice/Expand/Tile, zero Pad, one-input Concat, ...). */
export const noopElimination: Pass = {
  name: 'noop-elimination',
  description:
    'removes Reshape/Expand/Slice/Tile/Pad/Transpose/Squeeze/Unsqueeze/Split/Concat nodes that provably return their input unchanged',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    let count = 0;
    for (const n of [...ctx.graph.nodes]) {
      if (!n.inDefaultDomain || !n.inputs[0]) continue;
      const check = Object.hasOwn(CHECKS, n.opType) ? CHECKS[n.opType] : undefined;
      if (check?.(ctx, n) && bypassNode(ctx, n, n.inputs[0])) count++;
    }
    return count;
  },
};
