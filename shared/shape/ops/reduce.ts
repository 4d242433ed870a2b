import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimMul, type Dim } from '../dims.js';
import { known, numbersOf } from '../known-values.js';
import { normAxis, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';

// Reductions: axes as an attribute, or as an input from opset 13 (ReduceSum) / 18 (the others);
// keepdims and noop_with_empty_axes as the operators define them. ArgMax/ArgMin give int64.

const REDUCE = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

function reducedShape(s: readonly Dim[], axes: readonly number[], keep: boolean): Dim[] {
  const set = new Set(axes.map((a) => normAxis(a, s.length)));
  const out: Dim[] = [];
  s.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

function propagateAll(ctx: OpContext, op: string, keep: boolean): void {
  const v = ctx.value(0);
  if (!v || v.shape.length !== 1) return;
  let acc: Dim;
  if (op === 'ReduceProd') acc = v.data.reduce<Dim>((a, b) => dimMul(a, b), 1);
  else if (op === 'ReduceSum') acc = v.data.reduce<Dim>((a, b) => dimAdd(a, b), 0);
  else if (op === 'ReduceMax' || op === 'ReduceMin') {
    const n = numbersOf(v);
    if (!n || n.length === 0) return;
    acc = op === 'ReduceMax' ? Math.max(...n) : Math.min(...n);
  } else return;
  ctx.setValue(0, known(keep ? [1] : [], [acc]));
}

function reduce(op: string): OpRule {
  const axesInputSince = op === 'ReduceSum' ? 13 : 18;
  return (ctx) => {
    const s = ctx.shape(0);
    const elem = ctx.elem(0);
    const keep = (ctx.attrInt('keepdims') ?? 1) !== 0;
    let axes: number[] | undefined;
    if (ctx.opset >= axesInputSince) {
      if (ctx.hasInput(1)) {
        axes = numbersOf(ctx.value(1));
        if (!axes) return [tensorOf(elem, s && keep ? s.map(() => null) : null)];
      }
    } else axes = ctx.attrInts('axes');
    if (!s) return [tensorOf(elem, null)];
    if (!axes || axes.length === 0) {
      if (ctx.opset >= axesInputSince && ctx.attrInt('noop_with_empty_axes') === 1) return [tensorOf(elem, s)];
      propagateAll(ctx, op, keep);
      return [tensorOf(elem, keep ? s.map(() => 1) : [])];
    }
    return [tensorOf(elem, reducedShape(s, axes, keep))];
  };
}

const argReduce: OpRule = (ctx) => {
  const s = ctx.shape(0);
  if (!s) return [tensorOf(ElemType.INT64, null)];
  const keep = (ctx.attrInt('keepdims') ?? 1) !== 0;
  return [tensorOf(ElemType.INT64, reducedShape(s, [ctx.attrInt('axis') ?? 0], keep))];
};

/** Rules of the reductions (default domain). */
export const reduceRules: Record<string, OpRule> = { ArgMax: argReduce, ArgMin: argReduce };
for (const op of REDUCE) reduceRules[op] = reduce(op);
