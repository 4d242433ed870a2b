// Checks a model's verification settings (dims and input values, as the CLI's --dim and --value
// give them) against its inputs before they are used or remembered, so a mistake is named at
// once instead of surfacing as an onnxruntime error in the middle of a run.

import { WorkbenchError } from '../errors.js';
import { ElemType, elemTypeName, isFloatType, isIntegerType } from '../onnx/element-types.js';
import type { GraphProto } from '../onnx/proto-types.js';
import { planInputs, runtimeInputs } from './input-spec.js';

/** Throws WorkbenchError 'BAD_OPTION' naming the first dim or value that does not fit `graph`'s runtime inputs. */
export function checkInputSettings(graph: GraphProto, dims: Readonly<Record<string, number>>, values: Readonly<Record<string, number>>): void {
  const inputs = runtimeInputs(graph);
  // Every input counts as given here: only the dims' names and sizes are checked, not whether values can be generated.
  planInputs(graph, { dims, skip: inputs.map((i) => i.name ?? '') });
  for (const [name, value] of Object.entries(values)) {
    const input = inputs.find((i) => i.name === name);
    if (!input) throw new WorkbenchError('BAD_OPTION', `value '${name}': not an input of the model (its inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`);
    const elemType = input.type?.tensorType?.elemType ?? ElemType.UNDEFINED;
    const type = elemTypeName(elemType);
    if (!Number.isFinite(value)) throw new WorkbenchError('BAD_OPTION', `value '${name}': ${value} is not a finite number`);
    if (elemType === ElemType.BOOL ? value !== 0 && value !== 1 : isIntegerType(elemType) ? !Number.isSafeInteger(value) : !isFloatType(elemType)) {
      const want = elemType === ElemType.BOOL ? '0 or 1' : isIntegerType(elemType) ? 'an integer' : 'a tensor of numbers';
      throw new WorkbenchError('BAD_OPTION', `value '${name}': the input is ${type}, so it needs ${want}, not ${value}`);
    }
  }
}
