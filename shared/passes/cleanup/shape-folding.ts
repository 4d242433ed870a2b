import { tensor } from '../../builder/index.js';
import { attrInt } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType, isIntegerType } from '../../onnx/element-types.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { isDeterministic } from './deterministic-ops.js';
import { replaceWithConstants } from './replace-with-constants.js';

// Shape's start/end (opset 15) select dims the way Python slices do: negative counts from the
// end, then clamped to [0, rank].
function clampIndex(i: number, rank: number): number {
  const x = i < 0 ? i + rank : i;
  return Math.min(Math.max(x, 0), rank);
}

// Shape or Size, folded from the input's type: only the dims they return need to be known.
function shapeOrSizeValue(ctx: PassContext, n: IrNode): TensorProto | undefined {
  const shape = ctx.facts.tensor(ctx.graph, n.inputs[0]!)?.shape;
  if (!shape) return undefined;
  const out = n.outputs[0]!;
  const rank = shape.length;
  const dims = n.opType === 'Size' ? shape : shape.slice(clampIndex(attrInt(n, 'start', 0), rank), clampIndex(attrInt(n, 'end', rank), rank));
  if (!dims.every((d): d is number => typeof d === 'number')) return undefined;
  return n.opType === 'Size'
    ? tensor(out, ElemType.INT64, [], [dims.reduce((a, b) => a * BigInt(b), 1n)])
    : tensor(out, ElemType.INT64, [dims.length], dims);
}

// Any other node whose outputs inference knows element by element (shape arithmetic: Gather,
// Slice, Concat, Squeeze, Cast, Equal... on shapes). Integers and booleans only: inference
// computes in doubles, which is exact for them but not for float32 math.
function knownOutputs(ctx: PassContext, n: IrNode): (TensorProto | undefined)[] | undefined {
  if (n.subgraphs.length || !isDeterministic(n) || n.opType === 'Constant') return undefined;
  const values: (TensorProto | undefined)[] = [];
  for (const out of n.outputs) {
    // Known contents first: few values have them, and asking for a type costs more.
    const known = out ? ctx.facts.knownNumbers(ctx.graph, out) : undefined;
    const type = known && ctx.facts.tensor(ctx.graph, out)?.elemType;
    const fits = type !== undefined && (isIntegerType(type) || type === ElemType.BOOL) && known!.data.every(Number.isSafeInteger);
    values.push(fits ? tensor(out, type, known!.shape, type === ElemType.BOOL ? known!.data.map((d) => d !== 0) : known!.data) : undefined);
  }
  return values.some(Boolean) ? values : undefined;
}

// A Reshape whose target is computed from shapes (Concat(Gather(Shape(x), 0), 200)): where
// inference knows each element as a number or as the input's own dim at that index, the target
// becomes a constant, with 0 ("copy the input's dim") for the latter and -1 for at most one
// other symbolic dim, and the computation goes dead.
function constantReshapeTarget(ctx: PassContext, n: IrNode): TensorProto | undefined {
  if (n.opType !== 'Reshape' || attrInt(n, 'allowzero', 0) !== 0 || !n.inputs[1] || ctx.facts.constant(ctx.graph, n.inputs[1])) return undefined;
  const known = ctx.facts.knownContents(ctx.graph, n.inputs[1]);
  const input = ctx.facts.tensor(ctx.graph, n.inputs[0]!)?.shape;
  if (!known || known.shape.length !== 1 || known.data.length === 0) return undefined;
  let inferred = 0;
  const target: number[] = [];
  for (const [i, d] of known.data.entries()) {
    if (typeof d === 'number') {
      if (!Number.isSafeInteger(d) || d < -1) return undefined;
      target.push(d);
    } else if (typeof d === 'string') target.push(input?.[i] === d ? 0 : -1);
    else return undefined;
    if (target[i] === -1) inferred++;
  }
  return inferred <= 1 ? tensor(`${n.outputs[0] || 'reshape'}_shape`, ElemType.INT64, [target.length], target) : undefined;
}

/** Replaces Shape, Size and shape arithmetic on them by constants where inference knows their values. */
export const shapeFolding: Pass = {
  name: 'shape-folding',
  description: 'replaces Shape, Size, integer/bool shape arithmetic and Reshape targets by initializers where inference knows their values',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    const g = ctx.graph;
    let folded = 0;
    for (const n of [...g.nodes]) {
      if (!n.inDefaultDomain) continue;
      const target = constantReshapeTarget(ctx, n);
      if (target && ctx.inScope([n])) {
        const name = ctx.addConstant(target);
        ctx.model.journal.transaction('constant reshape target', () => g.setInput(n, 1, name));
        folded++;
        continue;
      }
      const values = (n.opType === 'Shape' || n.opType === 'Size') && n.inputs[0] ? [shapeOrSizeValue(ctx, n)] : knownOutputs(ctx, n);
      if (values && replaceWithConstants(ctx, n, values)) folded++;
    }
    return folded;
  },
};
