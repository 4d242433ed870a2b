// Helpers of the pruning tests: apply an operation from the registry to a builder-made model, run
// models in onnxruntime, and check a pruned model as the issue asks (validation, onnxruntime loads
// and runs it, shape inference agrees with onnxruntime's output shapes).

import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { createCheckSession, releaseSession, runCheckSession } from '../../electron/runtime/ort-session.js';
import { IrModel } from '../../shared/ir/model.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation, type OperationEffect } from '../../shared/operations/run-operation.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { inferShapes } from '../../shared/shape/index.js';
import { mulberry32 } from '../../shared/verify/prng.js';

export interface Pruned {
  ir: IrModel;
  effect: OperationEffect;
  proto: ModelProto;
}

export async function prune(proto: ModelProto, op: string, options: Record<string, unknown>, selection?: string[]): Promise<Pruned> {
  const ir = new IrModel(proto);
  const ids = selection?.map((name) => [...ir.graph.nodes].find((n) => n.name === name)!.id);
  const r = resolveOperation(defaultOperations(), ir, op, options, ids);
  const effect = await applyOperation(ir, r, {}, op);
  return { ir, effect, proto: ir.toProto() };
}

export function bytesOf(proto: ModelProto): Uint8Array {
  return concatSegments(encodeModel(proto));
}

/** Random float inputs of these shapes (seeded). */
export function randomFeeds(shapes: Record<string, number[]>, seed = 7): Record<string, ort.Tensor> {
  const r = mulberry32(seed);
  return Object.fromEntries(
    Object.entries(shapes).map(([name, dims]) => [name, new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), dims)]),
  );
}

export async function runOrt(proto: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const s = await createCheckSession(bytesOf(proto), 'test');
  try {
    const out = await runCheckSession(s, feeds, 'test');
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await releaseSession(s);
  }
}

/** The checks every pruned model passes: it validates, onnxruntime runs it, and our shape inference gives onnxruntime's output shapes. */
export async function checkPrunedModel(proto: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const ir = new IrModel(proto, { validate: true });
  const out = await runOrt(proto, feeds);
  const shapes = inferShapes(ir, { inputDims: inputDimsOf(ir, feeds) });
  expect(shapes.failures.map((f) => f.message)).toEqual([]);
  for (const [name, t] of Object.entries(out)) {
    const inferred = shapes.typeOf(ir.graph, name);
    expect(inferred?.kind === 'tensor' ? inferred.shape : undefined, `inferred shape of ${name}`).toEqual(t.dims);
  }
  return out;
}

// Symbolic input dims set from the feeds' shapes.
function inputDimsOf(ir: IrModel, feeds: Record<string, ort.Tensor>): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const i of ir.graph.inputs) {
    const t = feeds[i.name ?? ''];
    i.type?.tensorType?.shape?.dim?.forEach((d, k) => {
      if (d.dimParam && t) dims[d.dimParam] = t.dims[k]!;
    });
  }
  return dims;
}

export function relError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / (den || 1));
}
