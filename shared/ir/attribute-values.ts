import type { IrNode } from './node.js';

const utf8 = new TextDecoder();

/** An INT attribute as a number (defaults when absent). */
export function attrInt(node: IrNode, name: string, fallback: number): number;
export function attrInt(node: IrNode, name: string): number | undefined;
export function attrInt(node: IrNode, name: string, fallback?: number): number | undefined {
  const a = node.attribute(name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

/** An INTS attribute as numbers, or undefined when absent. */
export function attrInts(node: IrNode, name: string): number[] | undefined {
  const a = node.attribute(name);
  return a ? (a.ints ?? []).map(Number) : undefined;
}

/** A FLOAT attribute (defaults when absent). */
export function attrFloat(node: IrNode, name: string, fallback: number): number {
  const a = node.attribute(name);
  return a?.f !== undefined ? a.f : fallback;
}

/** A STRING attribute decoded as UTF-8 (defaults when absent). */
export function attrString(node: IrNode, name: string, fallback: string): string {
  const a = node.attribute(name);
  return a?.s !== undefined ? utf8.decode(a.s) : fallback;
}
