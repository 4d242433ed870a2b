// Shared by the cleanup pass tests: run a pass on a builder-made model, and check that
// onnxruntime (its optimizer off) gives bit-identical outputs before and after on seeded inputs.

import type * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { createCheckSession, releaseSession, runCheckSession } from '../../../electron/runtime/ort-session.js';
import { generateOrtInputs } from '../../../electron/runtime/ort-tensors.js';
import { OrtConstantEvaluator } from '../../../electron/runtime/evaluate-node.js';
import { IrModel } from '../../../shared/ir/model.js';
import { orderNodes } from '../../../shared/ir/topo-order.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import type { Pass } from '../../../shared/rewrite/pass.js';
import { runPasses, type RunOptions, type RunResult } from '../../../shared/rewrite/pass-manager.js';
import { planInputs } from '../../../shared/verify/input-spec.js';

export const evaluator = new OrtConstantEvaluator();

export const bytesOf = (m: IrModel | ModelProto): Uint8Array => concatSegments(encodeModel(m instanceof IrModel ? m.toProto() : m));

/** Op types of the main graph, in topological order. */
export const opsOf = (m: IrModel): string[] => orderNodes(m.graph).map((n) => n.opType);

/** An output as comparable data: type, dims and the raw bytes (strings as they are). */
interface RawOutput {
  type: string;
  dims: readonly number[];
  data: number[] | string[];
}

function raw(t: ort.Tensor): RawOutput {
  const d = t.data as ArrayBufferView | string[];
  const data = Array.isArray(d) ? d : Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  return { type: t.type, dims: t.dims, data };
}

/** Outputs of a model under onnxruntime (optimizer off). */
export async function run(m: IrModel | ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, RawOutput>> {
  const session = await createCheckSession(bytesOf(m), 'test', { intraOpThreads: 1 });
  try {
    const out = await runCheckSession(session, feeds, 'test');
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, raw(v)]));
  } finally {
    await releaseSession(session);
  }
}

/** Seeded random values for every runtime input of the model. */
export function feedsFor(m: ModelProto, seed = 7): Record<string, ort.Tensor> {
  return generateOrtInputs(planInputs(m.graph!).inputs, seed);
}

export interface Optimized {
  model: IrModel;
  result: RunResult;
  /** Matches of the pass under test (the first pass given). */
  matches: number;
}

/**
 * Runs `passes` on `proto` and checks that the outputs are bit-identical to the original's on
 * seeded inputs (and that the model still loads). Returns the optimized model.
 */
export async function optimizeAndCompare(
  proto: ModelProto,
  passes: readonly Pass[],
  options: Partial<RunOptions> = {},
): Promise<Optimized> {
  const feeds = feedsFor(proto);
  const before = await run(proto, feeds);
  const model = new IrModel(proto);
  const result = await runPasses(model, passes, { target: 'portable', evaluator, ...options });
  const after = await run(model, feeds);
  expect(after).toEqual(before);
  return { model, result, matches: result.passes[0]!.matches };
}
