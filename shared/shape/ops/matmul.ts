import { ElemType } from '../../onnx/element-types.js';
import { broadcastDim, broadcastShapes, type Dim } from '../dims.js';
import { numberOf } from '../known-values.js';
import { normAxis, ShapeError, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';

// Matrix products (MatMul with numpy batch broadcasting, Gemm, Einsum), TopK and Det.

/** numpy matmul's output shape: 1-D operands are promoted and the added dim removed again. */
export function matmulShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  if (a.length === 0 || b.length === 0) throw new ShapeError('MatMul operands cannot be scalars');
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

function matmulLike(aIn: number, bIn: number, outElem: (ctx: OpContext) => number): OpRule {
  return (ctx) => {
    const a = ctx.shape(aIn);
    const b = ctx.shape(bIn);
    const elem = outElem(ctx);
    return [tensorOf(elem, a && b ? matmulShape(a, b) : null)];
  };
}

const gemm: OpRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  const elem = ctx.elem(0) || ctx.elem(1);
  const m = a && a.length === 2 ? a[ctx.attrInt('transA') === 1 ? 1 : 0]! : null;
  const n = b && b.length === 2 ? b[ctx.attrInt('transB') === 1 ? 0 : 1]! : null;
  return [tensorOf(elem, [m, n])];
};

/** Einsum's output shape from its equation (explicit '->' or numpy's implicit output). */
export function einsumShape(equation: string, shapes: readonly (readonly Dim[])[]): Dim[] {
  const eq = equation.replace(/\s/g, '');
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) throw new ShapeError(`equation has ${terms.length} operands, node has ${shapes.length}`);
  const letters = new Map<string, Dim>();
  const counts = new Map<string, number>();
  const ellipses: (readonly Dim[])[] = [];
  terms.forEach((term, i) => {
    const s = shapes[i]!;
    const [before, after] = term.split('...') as [string, string | undefined];
    const ellRank = after === undefined ? 0 : s.length - before.length - after.length;
    if (ellRank < 0 || (after === undefined && before.length !== s.length)) throw new ShapeError(`operand ${i} has rank ${s.length}, term '${term}'`);
    if (after !== undefined) ellipses.push(s.slice(before.length, before.length + ellRank));
    const dims = [...before].map((c, k) => [c, s[k]!] as const);
    if (after !== undefined) [...after].forEach((c, k) => dims.push([c, s[before.length + ellRank + k]!]));
    for (const [c, d] of dims) {
      counts.set(c, (counts.get(c) ?? 0) + 1);
      const prev = letters.get(c);
      letters.set(c, prev === undefined ? d : broadcastDim(prev, d));
    }
  });
  const ell = broadcastShapes(ellipses);
  if (rhs === undefined) {
    const once = [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort();
    return [...ell, ...once.map((c) => letters.get(c)!)];
  }
  const out: Dim[] = [];
  const [rb, ra] = rhs.split('...') as [string, string | undefined];
  for (const c of rb) out.push(letters.get(c) ?? null);
  if (ra !== undefined) {
    out.push(...ell);
    for (const c of ra) out.push(letters.get(c) ?? null);
  }
  return out;
}

const einsum: OpRule = (ctx) => {
  const shapes: (readonly Dim[])[] = [];
  for (let i = 0; i < ctx.inputCount; i++) {
    const s = ctx.shape(i);
    if (!s) return [tensorOf(ctx.elem(0), null)];
    shapes.push(s);
  }
  return [tensorOf(ctx.elem(0), einsumShape(ctx.attrString('equation') ?? '', shapes))];
};

const topK: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null), tensorOf(ElemType.INT64, null)];
  const axis = normAxis(ctx.attrInt('axis') ?? -1, s.length);
  const k = ctx.opset < 10 ? (ctx.attrInt('k') ?? null) : (numberOf(ctx.value(1)) ?? null);
  const shape = s.map((d, i) => (i === axis ? k : d));
  return [tensorOf(elem, shape), tensorOf(ElemType.INT64, shape)];
};

const det: OpRule = (ctx) => {
  const s = ctx.shape(0);
  return [tensorOf(ctx.elem(0), s ? s.slice(0, -2) : null)];
};

/** Rules of the matrix operators (default domain). */
export const matmulRules: Record<string, OpRule> = {
  MatMul: matmulLike(0, 1, (ctx) => ctx.elem(0) || ctx.elem(1)),
  MatMulInteger: matmulLike(0, 1, () => ElemType.INT32),
  QLinearMatMul: matmulLike(0, 3, (ctx) => ctx.elem(7) || ctx.elem(0)),
  Gemm: gemm,
  Einsum: einsum,
  TopK: topK,
  Det: det,
};
