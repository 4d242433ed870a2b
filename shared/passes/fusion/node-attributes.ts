import type { AttributeProto } from '../../onnx/proto-types.js';

/** `attributes` with those of `updates` put in place of (or after) the ones of the same name. */
export function withAttributes(attributes: readonly AttributeProto[], updates: readonly AttributeProto[]): AttributeProto[] {
  const names = new Set(updates.map((a) => a.name));
  return [...attributes.filter((a) => !names.has(a.name)), ...updates];
}
