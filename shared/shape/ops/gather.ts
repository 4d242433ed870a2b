import { ElemType } from '../../onnx/element-types.js';
import type { Dim } from '../dims.js';
import { numberOf, numbersOf } from '../known-values.js';
import { normAxis, ShapeError, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';
import { selectKnown } from './known-math.js';

// Indexing operators: Gather (with data propagation, as exporters gather dims out of a Shape),
// GatherElements, GatherND, the Scatter family, Compress and OneHot.

const gather: OpRule = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const elem = ctx.elem(0);
  if (!data || !indices) return [tensorOf(elem, null)];
  const axis = normAxis(ctx.attrInt('axis') ?? 0, data.length);
  const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  const v = ctx.value(0);
  const iv = ctx.value(1);
  const idx = numbersOf(iv);
  if (v && iv && idx && v.shape.length === data.length) {
    const n = v.shape[axis]!;
    for (const i of idx) if (i < -n || i >= n) throw new ShapeError(`index ${i} is out of range for ${n} elements`);
    const perAxis = v.shape.map((d) => [...Array(d).keys()]);
    perAxis[axis] = idx.map((i) => (i < 0 ? i + n : i));
    ctx.setValue(0, selectKnown(v, perAxis, [...v.shape.slice(0, axis), ...iv.shape, ...v.shape.slice(axis + 1)]));
  }
  return [tensorOf(elem, shape)];
};

const gatherElements: OpRule = (ctx) => [tensorOf(ctx.elem(0), ctx.shape(1) ?? null)];

const gatherND: OpRule = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const elem = ctx.elem(0);
  if (!data || !indices) return [tensorOf(elem, null)];
  const b = ctx.attrInt('batch_dims') ?? 0;
  const last = indices[indices.length - 1];
  if (typeof last !== 'number') return [tensorOf(elem, null)];
  return [tensorOf(elem, [...indices.slice(0, -1), ...data.slice(b + last)])];
};

const scatter: OpRule = (ctx) => [ctx.tensor(0)];

const compress: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const cond = numbersOf(ctx.value(1));
  const count = cond ? cond.filter((c) => c !== 0).length : null;
  const axis = ctx.attrInt('axis');
  if (axis === undefined) return [tensorOf(elem, [count])];
  if (!s) return [tensorOf(elem, null)];
  const a = normAxis(axis, s.length);
  return [tensorOf(elem, s.map((d, i) => (i === a ? count : d)))];
};

const oneHot: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(2);
  if (!s) return [tensorOf(elem, null)];
  const depthValue = numberOf(ctx.value(1));
  const depth = depthValue === undefined ? null : Math.trunc(depthValue);
  const axis = normAxis(ctx.attrInt('axis') ?? -1, s.length + 1);
  const shape: Dim[] = [...s];
  shape.splice(axis, 0, depth);
  return [tensorOf(elem, shape)];
};

const nonZero: OpRule = (ctx) => {
  const s = ctx.shape(0);
  return [tensorOf(ElemType.INT64, [s ? s.length : null, null])];
};

/** Rules of the indexing operators (default domain). */
export const gatherRules: Record<string, OpRule> = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  Scatter: scatter,
  ScatterElements: scatter,
  ScatterND: scatter,
  Compress: compress,
  OneHot: oneHot,
  NonZero: nonZero,
};
