// How shared passes (constant folding) get a node evaluated without depending on a runtime:
// electron/runtime/evaluate-node.ts implements this with onnxruntime-node.

import type { Int64, NodeProto, OperatorSetIdProto, TensorProto } from '../onnx/proto-types.js';

/** The model facts a node's meaning depends on. */
export interface EvaluationContext {
  opsetImports: readonly OperatorSetIdProto[];
  irVersion: Int64;
}

/** One node to evaluate: its inputs by position, undefined where an optional input is omitted (''). */
export interface EvaluationRequest {
  node: NodeProto;
  inputs: readonly (TensorProto | undefined)[];
}

/** Per request: its outputs, or why it could not be evaluated (one line). */
export type EvaluationOutcome = { ok: true; outputs: (TensorProto | undefined)[] } | { ok: false; error: string };

/** Evaluates nodes whose inputs are all constant, the way the model's runtime would. */
export interface ConstantEvaluator {
  /**
   * The node's outputs, by position and named as the node names them (raw_data, little-endian);
   * undefined where an optional output is omitted (''). Throws WorkbenchError when it cannot run.
   */
  evaluate(node: NodeProto, inputs: readonly (TensorProto | undefined)[], ctx: EvaluationContext): Promise<(TensorProto | undefined)[]>;
  /** Several independent nodes at once (much cheaper than one by one); a node that fails does not fail the others. */
  evaluateMany(requests: readonly EvaluationRequest[], ctx: EvaluationContext): Promise<EvaluationOutcome[]>;
}
