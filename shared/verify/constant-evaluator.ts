import type { Int64, NodeProto, OperatorSetIdProto, TensorProto } from '../onnx/proto-types.js';

/** What a node needs from its model to be evaluated alone. */
export interface EvaluationContext {
  opsetImports: readonly OperatorSetIdProto[];
  irVersion: Int64;
}

/**
 * Evaluates single nodes whose inputs are all known, with a real runtime (onnxruntime in the
 * Node host), for constant folding; shared code depends only on this interface.
 */
export interface ConstantEvaluator {
  /** The node's outputs, in order; `inputs[i]` is undefined for an absent optional input. */
  evaluate(node: NodeProto, inputs: readonly (TensorProto | undefined)[], ctx: EvaluationContext): Promise<TensorProto[]>;
}
