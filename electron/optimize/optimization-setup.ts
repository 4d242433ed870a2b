import type { RunOptions } from '../../shared/rewrite/pass-manager.js';
import type { TensorProto } from '../../shared/onnx/proto-types.js';
import { listModelTensors } from '../../shared/onnx/map-tensors.js';
import type { OpenedModel } from '../io/open-model.js';
import { OrtConstantEvaluator } from '../runtime/evaluate-node.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';

/** What the optimizer needs from the host for one model, and how to release it. */
export interface OptimizationSetup {
  runOptions: Pick<RunOptions, 'evaluator' | 'inferTypes' | 'externalBytes'>;
  close(): Promise<void>;
}

/**
 * Prepares a run: external tensors are read into memory (guards and folding need their values),
 * constant folding gets an onnxruntime evaluator, and type inference is plugged in.
 */
export async function optimizationSetup(opened: OpenedModel): Promise<OptimizationSetup> {
  const external = new Map<TensorProto, Uint8Array>();
  for (const { tensor } of listModelTensors(opened.proto)) {
    if (tensor.dataLocation === 1) external.set(tensor, await opened.external.read(tensor));
  }
  return {
    runOptions: { externalBytes: (t) => external.get(t), evaluator: new OrtConstantEvaluator(), inferTypes },
    close: async () => undefined,
  };
}
