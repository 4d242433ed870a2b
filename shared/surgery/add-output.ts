import { typeToProto } from '../shape/index.js';
import type { SurgeryEdit } from './edit.js';
import { mainGraphValue } from './find-node.js';
import { refuse, runEdit } from './run-edit.js';

export interface AddOutputOptions {
  /** A value of the main graph. */
  readonly value: string;
}

/** Makes an intermediate value a graph output, typed by shape inference (to read it, or to compare it). */
export const addOutput: SurgeryEdit<AddOutputOptions> = {
  name: 'add-output',
  description: 'makes an intermediate value a graph output (its type from shape inference)',
  group: 'surgery',
  options: [{ name: 'value', type: 'value', description: 'a value of the main graph' }],
  apply(model, { value }) {
    const label = `add output "${value}"`;
    const g = mainGraphValue(model, value, 'value');
    if (g.isGraphOutput(value)) refuse(label, `"${value}" is already a graph output`);
    return runEdit(model, 'add-output', label, (inferred) => {
      const t = inferred.typeOf(g, value);
      if (!t || (t.kind === 'tensor' && t.elemType === 0)) refuse(label, `the type of "${value}" cannot be inferred`);
      g.setGraphOutputs([...g.outputs, { name: value, type: typeToProto(t) }]);
      return `"${value}" is now a graph output`;
    });
  },
};
