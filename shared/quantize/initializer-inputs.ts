import { valueInfo } from '../builder/value-info.js';
import type { IrModel } from '../ir/model.js';
import type { TensorProto } from '../onnx/proto-types.js';

// Before IR version 4 every initializer of the main graph is also one of its inputs (onnxruntime
// refuses the model otherwise), typed as the tensor: quantization changes initializers' types,
// adds some and drops others, so the graph's input list follows.

/** Whether the model is older than IR version 4 (initializers listed as graph inputs). */
export function initializersAreInputs(model: IrModel): boolean {
  const ir = model.meta.irVersion;
  return ir !== undefined && Number(ir) < 4;
}

/**
 * Makes the main graph's input list match its initializers where the IR version asks for it:
 * `tensors` (new or retyped initializers) listed with their types, `dropped` names removed.
 */
export function syncInitializerInputs(model: IrModel, tensors: readonly TensorProto[], dropped: readonly string[] = []): void {
  if (!initializersAreInputs(model) || (!tensors.length && !dropped.length)) return;
  const g = model.graph;
  const typed = new Map(tensors.map((t) => [t.name ?? '', valueInfo(t.name ?? '', t.dataType ?? 0, (t.dims ?? []).map(Number))]));
  const gone = new Set(dropped);
  const kept = g.inputs.filter((i) => !gone.has(i.name ?? '')).map((i) => typed.get(i.name ?? '') ?? i);
  const listed = new Set(kept.map((i) => i.name ?? ''));
  g.setGraphInputs([...kept, ...[...typed.values()].filter((v) => !listed.has(v.name ?? ''))]);
}
