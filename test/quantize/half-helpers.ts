import * as ort from 'onnxruntime-node';
import { IrModel } from '../../shared/ir/model.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation, type OperationEffect } from '../../shared/operations/run-operation.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { compareTensors, type TensorComparison } from '../../shared/verify/compare.js';
import { resolveTolerance, type ToleranceName } from '../../shared/verify/tolerance.js';

/** Applies a registry operation to a fresh IR of `proto`; the model and what the operation reported. */
export async function applyTo(proto: ModelProto, name: string, options: unknown = {}): Promise<{ m: IrModel; effect: OperationEffect }> {
  const m = new IrModel(proto);
  const effect = await applyOperation(m, resolveOperation(defaultOperations(), m, name, options), {}, name);
  return { m, effect };
}

export function bytesOf(proto: ModelProto): Uint8Array {
  return concatSegments(encodeModel(proto));
}

/** Runs a model in onnxruntime CPU (its optimizer at `all`, as users run it) and returns every output. */
export async function run(proto: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytesOf(proto));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Compares a float32 output of two runs under a named tolerance level. */
export function compareOutputs(expected: ort.Tensor, actual: ort.Tensor, level: ToleranceName): TensorComparison {
  const data = (t: ort.Tensor) => ({ elemType: ElemType.FLOAT, dims: t.dims, values: t.data as Float32Array });
  return compareTensors(data(expected), data(actual), resolveTolerance(level));
}
