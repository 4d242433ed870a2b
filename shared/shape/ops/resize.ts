import { dimFloorDiv, dimMul, type Dim } from '../dims.js';
import { numbersOf } from '../known-values.js';
import { normAxis, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';

// Resize and Upsample: output sizes from `sizes` (taken as given, or fitted under
// keep_aspect_ratio_policy) or from `scales` (floor(size × scale), computed in float32 as the
// reference implementation does).

function scaled(d: Dim, scale: number, length = 1): Dim {
  if (typeof d === 'number') return Math.floor(Math.fround(Math.fround(d * length) * Math.fround(scale)));
  if (length !== 1) return null;
  if (Number.isInteger(scale)) return dimMul(d, scale);
  const inv = 1 / scale;
  return Number.isInteger(inv) ? dimFloorDiv(d, inv) : null;
}

function fromScales(ctx: OpContext, s: readonly Dim[], scales: readonly number[], axes: readonly number[]): Dim[] {
  const out = [...s];
  const roi = ctx.opset >= 11 && ctx.attrString('coordinate_transformation_mode') === 'tf_crop_and_resize' ? numbersOf(ctx.value(1)) : undefined;
  axes.forEach((axis, i) => {
    const length = roi ? roi[i + axes.length]! - roi[i]! : 1;
    out[axis] = scaled(s[axis]!, scales[i]!, length);
  });
  return out;
}

function fromSizes(ctx: OpContext, s: readonly Dim[], sizes: readonly Dim[], axes: readonly number[]): Dim[] {
  const out = [...s];
  const policy = ctx.opset >= 18 ? (ctx.attrString('keep_aspect_ratio_policy') ?? 'stretch') : 'stretch';
  if (policy !== 'stretch') {
    const ratios = axes.map((axis, i) => {
      const d = s[axis];
      const z = sizes[i];
      return typeof d === 'number' && typeof z === 'number' ? z / d : undefined;
    });
    if (ratios.some((r) => r === undefined)) return out.map((d, i) => (axes.includes(i) ? null : d));
    const scale = policy === 'not_larger' ? Math.min(...(ratios as number[])) : Math.max(...(ratios as number[]));
    axes.forEach((axis) => {
      out[axis] = Math.floor((s[axis] as number) * scale + 0.5);
    });
    return out;
  }
  axes.forEach((axis, i) => {
    out[axis] = sizes[i] ?? null;
  });
  return out;
}

const resize: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const axes = (ctx.opset >= 18 ? ctx.attrInts('axes') : undefined)?.map((a) => normAxis(a, s.length)) ?? s.map((_, i) => i);
  if (ctx.opset >= 11 && ctx.hasInput(3)) {
    const sizes = ctx.value(3)?.data;
    return [tensorOf(elem, sizes ? fromSizes(ctx, s, sizes, axes) : s.map((d, i) => (axes.includes(i) ? null : d)))];
  }
  const scales = numbersOf(ctx.value(ctx.opset >= 11 ? 2 : 1));
  if (!scales || scales.length === 0) return [tensorOf(elem, s.map((d, i) => (axes.includes(i) ? null : d)))];
  return [tensorOf(elem, fromScales(ctx, s, scales, axes))];
};

const upsample: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const scales = ctx.opset < 9 ? ctx.attrFloats('scales') : numbersOf(ctx.value(1));
  if (!scales) return [tensorOf(elem, s.map(() => null))];
  return [tensorOf(elem, s.map((d, i) => scaled(d, scales[i] ?? 1)))];
};

/** Rules of Resize and Upsample (default domain). */
export const resizeRules: Record<string, OpRule> = { Resize: resize, Upsample: upsample };
