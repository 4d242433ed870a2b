import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';

// Integer operands (axes, perm, pads, starts, repeats...) moved from attributes to inputs across
// opsets; guards read them the same way in both forms, exactly (int64 values as bigints: a slice
// end of INT64_MAX must not round to 2^63 and compare equal to its neighbours).

/** The values of an integer operand; 'absent' when the node omits it, undefined when it is not a known constant. */
export type IntOperand = bigint[] | 'absent' | undefined;

/** Exact values of a constant int32/int64 tensor, or undefined when the value is not one. */
export function constantInts(ctx: PassContext, value: string): bigint[] | undefined {
  const t = ctx.facts.constant(ctx.graph, value);
  if (!t || (t.dataType !== ElemType.INT64 && t.dataType !== ElemType.INT32)) return undefined;
  const v = ctx.facts.values(t);
  if (!v || Array.isArray(v)) return undefined;
  return Array.from(v as ArrayLike<number | bigint>, (x) => BigInt(x));
}

/** An operand given as the INTS attribute `attrName` (older opsets) or as constant input `inputIndex` (newer ones). */
export function intOperand(ctx: PassContext, node: IrNode, attrName: string, inputIndex: number): IntOperand {
  const a = node.attribute(attrName);
  if (a) return (a.ints ?? []).map((x) => BigInt(x));
  const input = node.inputs[inputIndex];
  if (input === undefined || input === '') return 'absent';
  return constantInts(ctx, input);
}

/** The rank of a value when facts know it. */
export function rankOf(ctx: PassContext, value: string): number | undefined {
  return ctx.facts.tensor(ctx.graph, value)?.shape?.length;
}

/**
 * Axes made non-negative for a tensor of rank `rank`: undefined when a negative axis meets an
 * unknown rank, or when an axis is out of range or repeated (an invalid node: leave it alone).
 */
export function normalizeAxes(axes: readonly bigint[], rank: number | undefined): number[] | undefined {
  const out: number[] = [];
  for (const a of axes) {
    let n = Number(a);
    if (n < 0) {
      if (rank === undefined) return undefined;
      n += rank;
    }
    if (n < 0 || (rank !== undefined && n >= rank) || out.includes(n)) return undefined;
    out.push(n);
  }
  return out;
}

/** The values as JS numbers, or undefined when one is too large for a number to hold exactly. */
export function asNumbers(values: readonly bigint[]): number[] | undefined {
  const out = values.map(Number);
  return out.every(Number.isSafeInteger) ? out : undefined;
}
