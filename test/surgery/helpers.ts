// Shared by the surgery tests: builder-made models in the IR, onnxruntime runs, and the checks
// every edit must pass (a refusal changes nothing; undo gives the model back exactly).

import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { EditReport } from '../../shared/surgery/index.js';

/** The model in the IR, the way the app and the CLI hold it. */
export const load = (m: ModelProto): IrModel => new IrModel(m);

/** A float32 tensor with values 0.1·i − 1 (a mix of signs, none zero-valued by accident at i = 10). */
export function floats(dims: number[], offset = 0): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => 0.1 * (i + offset) - 1), dims);
}

/** Runs the model in onnxruntime (optimizer off) and returns every output's values and dims. */
export async function run(m: IrModel | ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, { dims: readonly number[]; data: number[] }>> {
  const s = await ort.InferenceSession.create(modelBytes(m instanceof IrModel ? m.toProto() : m), { graphOptimizationLevel: 'disabled' });
  try {
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data as Float32Array, Number) }]));
  } finally {
    await s.release();
  }
}

/** Expects `apply` to throw a WorkbenchError matching `message`, leaving the model and its journal as they were. */
export function expectRefused(m: IrModel, apply: () => unknown, message: RegExp): WorkbenchError {
  const before = m.toProto();
  const state = m.journal.state;
  let error: unknown;
  try {
    apply();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WorkbenchError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message.split('\n')).toHaveLength(1);
  expect(m.toProto()).toEqual(before);
  expect(m.journal.state).toBe(state);
  expect(m.journal.canRedo).toBe(false);
  return error as WorkbenchError;
}

/**
 * Applies an edit and checks that it is one journal transaction: undo gives back exactly the model
 * before it (toProto, and the encoded bytes), redo exactly the edited one.
 */
export function applyAndCheckUndo(m: IrModel, apply: () => EditReport): EditReport {
  const before = m.toProto();
  const bytesBefore = modelBytes(before);
  const state = m.journal.state;
  const report = apply();
  expect(report.stateBefore).toBe(state);
  expect(m.journal.state).toBe(state + 1);
  const after = m.toProto();
  m.journal.undo();
  expect(m.toProto()).toEqual(before);
  expect(modelBytes(m.toProto())).toEqual(bytesBefore);
  m.journal.redo();
  expect(m.toProto()).toEqual(after);
  return report;
}

/** Names of the main graph's nodes, in order. */
export const nodeNames = (m: IrModel): string[] => [...m.graph.nodes].map((n) => n.name);
