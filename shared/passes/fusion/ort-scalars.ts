import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { floatScalar } from './float-constants.js';

/** The CPU kernels of most contrib ops these passes emit take float32 only. */
export const FLOAT32: ReadonlySet<number> = new Set([ElemType.FLOAT]);

/** Exporters write these constants rounded to float32 (or to a few digits); 1e-4 tells them apart from other values. */
export const CONSTANT_TOLERANCE = 1e-4;

/** Whether `a` is `b` up to CONSTANT_TOLERANCE. */
export function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= CONSTANT_TOLERANCE;
}

/**
 * The one value of a single-element float constant that is an operand of an elementwise op on a
 * tensor of rank at least `minRank`. A shape-[1] or larger-rank constant would broadcast the other
 * operand up to its rank, so it only counts when that rank is known not to grow.
 */
export function scalarOperand(
  ctx: PassContext,
  value: string | undefined,
  minRank: number | undefined,
  types: ReadonlySet<number> = FLOAT32,
): number | undefined {
  const c = floatScalar(ctx, value, types);
  if (!c || c.dims.length > (minRank ?? 0)) return undefined;
  return c.data[0];
}

/**
 * The factor a Mul or Div by the constant `constant` applies to its other operand (c for Mul,
 * 1/c for Div), or undefined when the constant is the dividend, zero, or not a finite scalar.
 * Patterns match Mul and Div with one commutative pattern, so Div's order is checked here.
 */
export function scaleFactor(
  ctx: PassContext,
  node: IrNode,
  constant: string | undefined,
  minRank: number | undefined,
  types: ReadonlySet<number> = FLOAT32,
): number | undefined {
  if (node.opType === 'Div' && node.inputs[1] !== constant) return undefined;
  const c = scalarOperand(ctx, constant, minRank, types);
  if (c === undefined || c === 0 || !Number.isFinite(c)) return undefined;
  return node.opType === 'Div' ? 1 / c : c;
}

/** The value of a single-element numeric constant of any type (an exponent, a count), with its rank. */
export function numericScalar(ctx: PassContext, value: string | undefined): { value: number; rank: number } | undefined {
  const t = value ? ctx.facts.constant(ctx.graph, value) : undefined;
  const v = value ? ctx.facts.numbers(ctx.graph, value) : undefined;
  return t && v?.length === 1 ? { value: v[0]!, rank: (t.dims ?? []).length } : undefined;
}

/** The known rank of a value (from its declared or inferred type), or undefined. */
export function knownRank(ctx: PassContext, value: string | undefined): number | undefined {
  if (!value) return undefined;
  return ctx.facts.tensor(ctx.graph, value)?.shape?.length;
}
