import { dimEquals, typeToString, type ValueType } from '../shape/index.js';

/**
 * Why a reader of a value typed `to` cannot be given a value typed `from` instead, or undefined
 * when it can: the element types must be known and equal, and the shapes must agree where both are
 * known (equal ranks; each pair of dims equal, or one of them unknown). A symbolic dim matches only
 * the same expression: `N` and `M` may differ at run time.
 */
export function incompatibility(from: ValueType | undefined, to: ValueType | undefined): string | undefined {
  if (!from || !to) return `the type of ${!from ? 'its input' : 'its output'} is not known`;
  if (from.kind !== 'tensor' || to.kind !== 'tensor') {
    return from.kind === to.kind ? undefined : `its input is ${typeToString(from)} but its output is ${typeToString(to)}`;
  }
  if (from.elemType === 0 || to.elemType === 0) return `the element type of ${from.elemType === 0 ? 'its input' : 'its output'} is not known`;
  const differ = `its input is ${typeToString(from)} but its output is ${typeToString(to)}`;
  if (from.elemType !== to.elemType) return differ;
  if (!from.shape || !to.shape) return undefined;
  if (from.shape.length !== to.shape.length) return differ;
  const ok = from.shape.every((d, i) => d === null || to.shape![i] === null || d === to.shape![i] || dimEquals(d, to.shape![i]!));
  return ok ? undefined : differ;
}
