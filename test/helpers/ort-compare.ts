import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { IrModel } from '../../shared/ir/model.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';

/** Runs the IR model in onnxruntime (its optimizer off unless asked) and returns float outputs by name. */
export async function outputs(m: IrModel, feeds: Record<string, ort.Tensor>, level: 'disabled' | 'all' = 'disabled'): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(concatSegments(encodeModel(m.toProto())), { graphOptimizationLevel: level });
  const out = await s.run(feeds);
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** Element-wise agreement within atol 1e-4 + rtol 1e-3 (the `reassociation` level), naming the first bad element. */
export function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const bad = Array.from(expected).findIndex((e, i) => !(Math.abs(actual[i]! - e) <= 1e-4 + 1e-3 * Math.abs(e)));
  expect(bad, `element ${bad}: ${actual[bad]} vs ${expected[bad]}`).toBe(-1);
}
