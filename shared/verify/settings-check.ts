// Checks a model's verification settings (dims and input values, as the CLI's --dim and --value
// give them) against its inputs before they are remembered, so a mistake is named at once
// instead of surfacing as an onnxruntime error in the middle of a run.

import type { GraphProto } from '../onnx/proto-types.js';
import { checkInputValues } from './input-settings.js';
import { planInputs, runtimeInputs } from './input-spec.js';

/** Throws WorkbenchError 'BAD_OPTION' naming the first dim or value that does not fit `graph`'s runtime inputs. */
export function checkInputSettings(graph: GraphProto, dims: Readonly<Record<string, number>>, values: Readonly<Record<string, number>>): void {
  // Every input counts as given here: only the dims' names and sizes are checked, not whether values can be generated.
  planInputs(graph, { dims, skip: runtimeInputs(graph).map((i) => i.name ?? '') });
  checkInputValues(graph, values);
}
