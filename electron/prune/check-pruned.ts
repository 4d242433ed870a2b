// The check `prune --verify` runs. A pruned model computes something else than the original (no
// output tolerance applies), so what is checked is that it is a sound model: it passes the
// project's validation, onnxruntime loads and runs it, its outputs have the original's shapes,
// and our shape inference gives the shapes onnxruntime produces.

import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { inferShapes } from '../../shared/shape/index.js';
import { DEFAULT_DIM, runtimeInputs } from '../../shared/verify/input-spec.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { createCheckSession, releaseSession, runCheckSession } from '../runtime/ort-session.js';
import { loadInputSets } from '../runtime/input-sets.js';
import { buildSets } from '../runtime/verify-inputs.js';

export interface PrunedCheck {
  passed: boolean;
  /** One line per output: onnxruntime's shape, the original's, and ours. */
  outputs: { name: string; runtime: number[]; original: number[]; inferred: (number | string | null)[] | null }[];
  reason?: string;
}

async function shapesOf(proto: ModelProto, feeds: Parameters<typeof runCheckSession>[1], role: string): Promise<Record<string, number[]>> {
  const s = await createCheckSession(concatSegments(encodeModel(proto)), role);
  try {
    const out = await runCheckSession(s, feeds, role);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, [...t.dims]]));
  } finally {
    await releaseSession(s);
  }
}

/** Where the check's input set comes from: the verification inputs (`--inputs`, `--value`, `--dim`). */
export interface CheckInputs {
  dims: Record<string, number>;
  values?: Record<string, number>;
  inputsPath?: string;
}

/** Checks `pruned` against `original` on one input set: the first from `inputsPath`, else generated at `dims`. */
export async function checkPrunedModel(original: ModelProto, pruned: ModelProto, inputs: CheckInputs): Promise<PrunedCheck> {
  try {
    new IrModel(pruned, { validate: true });
  } catch (e) {
    return { passed: false, outputs: [], reason: `validation: ${(e as Error).message}` };
  }
  const graph = original.graph ?? {};
  const values = inputs.values ?? {};
  const files = inputs.inputsPath ? (await loadInputSets(inputs.inputsPath, runtimeInputs(graph), Object.keys(values))).slice(0, 1) : [];
  const { sets } = buildSets(graph, { dims: inputs.dims, values, runs: 1 }, files, DEFAULT_DIM);
  const feeds = sets[0]!.feeds;
  const before = await shapesOf(original, feeds, 'original');
  const after = await shapesOf(pruned, feeds, 'pruned');
  const ir = new IrModel(pruned);
  const inputDims: Record<string, number> = {};
  for (const i of ir.graph.inputs) i.type?.tensorType?.shape?.dim?.forEach((d, k) => d.dimParam && feeds[i.name ?? ''] && (inputDims[d.dimParam] = feeds[i.name ?? '']!.dims[k]!));
  const shapes = inferShapes(ir, { inputDims });
  const outputs = Object.keys(after).map((name) => {
    const t = shapes.typeOf(ir.graph, name);
    return { name, runtime: after[name]!, original: before[name] ?? [], inferred: t?.kind === 'tensor' && t.shape ? [...t.shape] : null };
  });
  const bad = outputs.find((o) => o.runtime.join() !== o.original.join() || o.inferred?.join() !== o.runtime.join());
  const failure = shapes.failures[0];
  if (failure) return { passed: false, outputs, reason: `shape inference failed at ${failure.node.name}: ${failure.message}` };
  if (bad) return { passed: false, outputs, reason: `output ${bad.name}: onnxruntime [${bad.runtime.join(',')}], original [${bad.original.join(',')}], shape inference [${bad.inferred?.join(',') ?? '?'}]` };
  return { passed: true, outputs };
}
