import { ElemType } from '../../onnx/element-types.js';
import { broadcastDim, dimDivExact, dimFloorDiv, dimMul, dimProduct, isStaticShape, type Dim } from '../dims.js';
import { known, numbersOf, type KnownValue } from '../known-values.js';
import { normAxis, ShapeError, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';
import { transposeKnown, zipKnown } from './known-math.js';

// Operators that change a tensor's shape without looking at its values: Shape, Size, Reshape,
// Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile, DepthToSpace, SpaceToDepth. Those that
// read shape data (Reshape's target, Expand's shape...) take it from known values, so a target
// built from Shape → Gather → Concat gives symbolic dims.

/** The same values under a new (static) shape: what reshaping ops do to known data. */
function reshapeKnown(ctx: OpContext, shape: readonly Dim[] | null): void {
  const v = ctx.value(0);
  if (v && shape && isStaticShape(shape) && shape.reduce((a, b) => a * b, 1) === v.data.length) ctx.setValue(0, known(shape, v.data));
}

const shapeOp: OpRule = (ctx) => {
  const s = ctx.shape(0);
  if (!s) return [tensorOf(ElemType.INT64, [null])];
  let start = ctx.opset >= 15 ? (ctx.attrInt('start') ?? 0) : 0;
  let end = ctx.opset >= 15 ? (ctx.attrInt('end') ?? s.length) : s.length;
  const r = s.length;
  start = Math.min(Math.max(start < 0 ? start + r : start, 0), r);
  end = Math.min(Math.max(end < 0 ? end + r : end, 0), r);
  const dims = s.slice(start, Math.max(start, end));
  ctx.setValue(0, known([dims.length], dims));
  return [tensorOf(ElemType.INT64, [dims.length])];
};

const size: OpRule = (ctx) => {
  const s = ctx.shape(0);
  if (s) ctx.setValue(0, known([], [dimProduct(s)]));
  return [tensorOf(ElemType.INT64, [])];
};

/** Reshape's output shape from the input shape and target entries (0 copies, -1 infers). */
export function reshapeTarget(input: readonly Dim[] | undefined, target: readonly Dim[], allowZero: boolean): Dim[] {
  const out: Dim[] = target.map((t, i) => {
    if (t === 0 && !allowZero) return input ? (input[i] ?? null) : null;
    return t === -1 ? -1 : t;
  });
  const inferAt = out.indexOf(-1);
  if (inferAt >= 0) {
    const others = out.filter((_, i) => i !== inferAt);
    const total = input && input.every((d) => d !== null) ? dimProduct(input) : null;
    out[inferAt] = others.some((d) => d === null) ? null : dimDivExact(total, dimProduct(others));
  }
  return out;
}

const reshape: OpRule = (ctx) => {
  const elem = ctx.elem(0);
  let target: readonly Dim[] | undefined;
  if (ctx.opset < 5) target = ctx.attrInts('shape');
  else target = ctx.value(1)?.data;
  let shape: Dim[] | null = null;
  if (target) shape = reshapeTarget(ctx.shape(0), target, ctx.opset >= 14 && ctx.attrInt('allowzero') === 1);
  else {
    const len = ctx.shape(1)?.[0];
    if (typeof len === 'number') shape = new Array<Dim>(len).fill(null);
  }
  reshapeKnown(ctx, shape);
  return [tensorOf(elem, shape)];
};

const flatten: OpRule = (ctx) => {
  const s = ctx.shape(0);
  if (!s) return [tensorOf(ctx.elem(0), [null, null])];
  // Flatten's axis lies in [-r, r]: a negative one counts from the end of the input's dims.
  const a = ctx.attrInt('axis') ?? 1;
  const axis = normAxis(a < 0 ? a + s.length : a, s.length + 1);
  const shape = [dimProduct(s.slice(0, axis)), dimProduct(s.slice(axis))];
  reshapeKnown(ctx, shape);
  return [tensorOf(ctx.elem(0), shape)];
};

function axesOf(ctx: OpContext, input: number, since: number): number[] | undefined | 'unknown' {
  if (ctx.opset < since) return ctx.attrInts('axes');
  if (!ctx.hasInput(input)) return undefined;
  return numbersOf(ctx.value(input)) ?? 'unknown';
}

const squeeze: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const axes = axesOf(ctx, 1, 13);
  if (!s || axes === 'unknown') return [tensorOf(elem, null)];
  let shape: Dim[] | null;
  if (axes === undefined || axes.length === 0) {
    // Symbolic dims are taken not to be 1 (a squeeze that relied on that would name the axis).
    shape = s.some((d) => d === null) ? null : s.filter((d) => d !== 1);
  } else {
    const drop = new Set(axes.map((a) => normAxis(a, s.length)));
    for (const a of drop) if (typeof s[a] === 'number' && s[a] !== 1) throw new ShapeError(`cannot squeeze axis ${a} of size ${s[a]}`);
    shape = s.filter((_, i) => !drop.has(i));
  }
  reshapeKnown(ctx, shape);
  return [tensorOf(elem, shape)];
};

const unsqueeze: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const axes = axesOf(ctx, 1, 13);
  if (!s || axes === 'unknown' || axes === undefined) {
    const n = ctx.opset >= 13 ? ctx.shape(1)?.[0] : undefined;
    return [tensorOf(elem, s && typeof n === 'number' ? new Array<Dim>(s.length + n).fill(null) : null)];
  }
  const rank = s.length + axes.length;
  const ones = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(ones.has(i) ? 1 : s[k++]!);
  reshapeKnown(ctx, shape);
  return [tensorOf(elem, shape)];
};

const transpose: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const perm = ctx.attrInts('perm') ?? s.map((_, i) => s.length - 1 - i);
  if (perm.length !== s.length) throw new ShapeError(`perm has ${perm.length} entries for rank ${s.length}`);
  const shape = perm.map((p) => s[normAxis(p, s.length, 'perm entry')]!);
  const v = ctx.value(0);
  if (v && v.shape.length === perm.length) ctx.setValue(0, transposeKnown(v, perm.map((p) => normAxis(p, s.length))));
  return [tensorOf(elem, shape)];
};

const expand: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const target = ctx.value(1)?.data;
  if (!s) return [tensorOf(elem, null)];
  let t: readonly Dim[] | undefined = target;
  if (!t) {
    const len = ctx.shape(1)?.[0];
    if (typeof len !== 'number') return [tensorOf(elem, null)];
    t = new Array<Dim>(len).fill(null);
  }
  const rank = Math.max(s.length, t.length);
  const shape: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const ia = i - (rank - s.length);
    const ib = i - (rank - t.length);
    const a = ia >= 0 ? s[ia]! : 1;
    const b = ib >= 0 ? t[ib]! : 1;
    // An unknown target entry keeps an input dim other than 1 (the target may only be 1 or equal there).
    shape.push(b === null ? (a === 1 ? null : a) : broadcastDim(a, b));
  }
  const v = ctx.value(0);
  if (v && isStaticShape(shape)) {
    const ones: KnownValue = known(shape, new Array<Dim>(shape.reduce((x, y) => x * y, 1)).fill(0));
    ctx.setValue(0, zipKnown([v, ones], ([x]) => x!));
  }
  return [tensorOf(elem, shape)];
};

const tile: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const repeats = ctx.value(1)?.data;
  if (!repeats) return [tensorOf(elem, s.map(() => null))];
  if (repeats.length !== s.length) throw new ShapeError(`repeats has ${repeats.length} entries for rank ${s.length}`);
  return [tensorOf(elem, s.map((d, i) => dimMul(d, repeats[i]!)))];
};

function spaceDepth(toSpace: boolean): OpRule {
  return (ctx) => {
    const s = ctx.shape(0);
    const elem = ctx.elem(0);
    const b = ctx.attrInt('blocksize');
    if (!s || b === undefined) return [tensorOf(elem, s ? [null, null, null, null] : null)];
    if (s.length !== 4) throw new ShapeError(`input must have rank 4, has ${s.length}`);
    const [n, c, h, w] = s as [Dim, Dim, Dim, Dim];
    if (toSpace) return [tensorOf(elem, [n, dimDivExact(c, b * b) ?? dimFloorDiv(c, b * b), dimMul(h, b), dimMul(w, b)])];
    return [tensorOf(elem, [n, dimMul(c, b * b), dimFloorDiv(h, b), dimFloorDiv(w, b)])];
  };
}

/** Rules of the reshaping operators (default domain). */
export const reshapeRules: Record<string, OpRule> = {
  Shape: shapeOp,
  Size: size,
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Expand: expand,
  Tile: tile,
  DepthToSpace: spaceDepth(true),
  SpaceToDepth: spaceDepth(false),
};
