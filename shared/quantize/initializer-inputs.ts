import { valueInfo } from '../builder/value-info.js';
import type { Graph } from '../ir/graph.js';
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

/**
 * Whether `value` is an initializer of `g` that stays constant: not one a caller may override as
 * a graph input, which IR version 4 allowed (before, every initializer is listed as an input and
 * runtimes take it as a constant: onnxruntime's CanOverrideInitializer is ir_version >= 4).
 */
export function isConstantInitializer(model: IrModel, g: Graph, value: string): boolean {
  return g.initializers.has(value) && (!g.isGraphInput(value) || (g === model.graph && initializersAreInputs(model)));
}

/** Runs `change`; where the IR version asks for it, the initializers it added or retyped are then listed as inputs and those it dropped unlisted. */
export function keepingInitializerInputs<T>(model: IrModel, change: () => T): T {
  if (!initializersAreInputs(model)) return change();
  const g = model.graph;
  const before = new Map([...g.initializers.values()].map((t) => [t.name ?? '', t.dataType]));
  const out = change();
  const changed = [...g.initializers.values()].filter((t) => before.get(t.name ?? '') !== t.dataType);
  syncInitializerInputs(model, changed, [...before.keys()].filter((n) => !g.initializers.has(n)));
  return out;
}
