import { tensor } from '../../builder/index.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';

/**
 * Element types whose constants fusions may fold: the arithmetic is done in float64 and rounded
 * once into the original type, which is at least as exact as the operators it replaces.
 */
export const FOLDABLE_FLOAT_TYPES: ReadonlySet<number> = new Set([ElemType.FLOAT, ElemType.DOUBLE, ElemType.FLOAT16]);

/** A constant's values widened to float64, with its element type and shape. */
export interface FloatConstant {
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

/** The values of a constant float value (of one of `types`), or undefined when it is not one. */
export function floatConstant(ctx: PassContext, value: string | undefined, types: ReadonlySet<number> = FOLDABLE_FLOAT_TYPES): FloatConstant | undefined {
  if (!value) return undefined;
  const t = ctx.facts.constant(ctx.graph, value);
  const elemType = t?.dataType ?? 0;
  if (!t || !types.has(elemType)) return undefined;
  const v = ctx.facts.values(t);
  if (!v || Array.isArray(v)) return undefined;
  const dims = (t.dims ?? []).map(Number);
  // A copy: the decoded array is cached by the facts and may alias the file's bytes.
  const data = Float64Array.from(v as ArrayLike<number>);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) return undefined;
  return { elemType, dims, data };
}

/** The single value of a constant holding one float element (any shape of size 1), else undefined. */
export function floatScalar(ctx: PassContext, value: string | undefined, types: ReadonlySet<number> = FOLDABLE_FLOAT_TYPES): FloatConstant | undefined {
  const c = floatConstant(ctx, value, types);
  return c && c.data.length === 1 ? c : undefined;
}

/** Adds an initializer of `elemType` holding `data` (rounded once into that type); returns its name. */
export function addFloatConstant(ctx: PassContext, base: string, elemType: number, dims: readonly number[], data: Float64Array): string {
  return ctx.addConstant(tensor(base, elemType, dims, data));
}
