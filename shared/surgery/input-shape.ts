import { WorkbenchError } from '../errors.js';
import type { Dim } from '../shape/index.js';
import { tensorOf, typeToProto } from '../shape/index.js';
import type { SurgeryEdit } from './edit.js';
import { refreshAnnotations } from './refresh-annotations.js';
import { refuse, runEdit } from './run-edit.js';

export interface InputShapeOptions {
  /** A graph input of the main graph. */
  readonly input: string;
  /** One entry per dimension: a size, a symbolic name, or null for unknown. */
  readonly shape: readonly Dim[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a shape written `1x3x224x224`, `Nx3x224x224` (a name makes the dim symbolic) or `?x3`
 * (unknown); `,` may separate dims instead of `x`, for names that contain an x (`max_len,3`).
 * The empty text is a scalar.
 */
export function parseShapeText(text: string): Dim[] {
  const t = text.trim();
  if (t === '') return [];
  const parts = t.includes(',') ? t.split(',') : t.split('x');
  return parts.map((raw) => {
    const p = raw.trim();
    if (/^\d+$/.test(p)) return Number(p);
    if (p === '?') return null;
    if (NAME.test(p)) return p;
    throw new WorkbenchError('BAD_OPTION', `shape "${text}": "${p}" is not a size, a name or ? (write 1x3x224x224, Nx3x224x224 or N,3,224,224)`);
  });
}

/**
 * Sets the shape of a graph input (keeping its element type): fixes sizes, makes a dimension
 * symbolic by naming it, or unknown. Declared shapes downstream are re-derived from inference;
 * refused when inference rejects a node with the new shape (a Conv given the wrong channels).
 */
export const inputShape: SurgeryEdit<InputShapeOptions> = {
  name: 'input-shape',
  description: "sets a graph input's shape (sizes, symbolic names, or unknown dims) and re-derives the shapes downstream",
  group: 'surgery',
  options: [
    { name: 'input', type: 'value', description: 'a graph input of the main graph' },
    { name: 'shape', type: 'shape', description: 'dims: sizes, names (symbolic) or ? (unknown), e.g. Nx3x224x224' },
  ],
  apply(model, { input, shape }) {
    const g = model.graph;
    const text = shape.map((d) => (d === null ? '?' : String(d))).join('x');
    const label = `set the shape of input "${input}" to ${text === '' ? 'a scalar' : text}`;
    const vi = g.inputs.find((i) => i.name === input);
    if (!vi) refuse(label, `the main graph has no input "${input}" (inputs: ${g.inputs.map((i) => i.name).join(', ')})`);
    if (g.initializers.has(input)) refuse(label, `"${input}" is an initializer (its shape is its tensor's)`);
    const elemType = vi.type?.tensorType?.elemType;
    if (!elemType) refuse(label, `"${input}" is not a tensor of a known element type`);
    return runEdit(model, 'input-shape', label, () => {
      g.setGraphInputs(g.inputs.map((i) => (i.name === input ? { ...i, type: typeToProto(tensorOf(elemType, shape)) } : i)));
      refreshAnnotations(model, g);
      return `input "${input}" is now ${text === '' ? 'a scalar' : text}`;
    });
  },
};
