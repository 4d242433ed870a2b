import type { Dim } from '../../rewrite/value-facts.js';

/** Whether two dimensions are known to be equal: the same number, or the same symbol (unknown never equals anything). */
export function sameDim(a: Dim | undefined, b: Dim | undefined): boolean {
  return a !== null && a !== undefined && a === b;
}

/** Whether two shapes are known to be equal, dimension by dimension. */
export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]));
}
