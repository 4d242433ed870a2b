import type { IrModel } from '../../shared/ir/model.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';

/** Parameters of a model, weights in Constant nodes counted too (paddle2onnx writes every weight as one). */
export function parametersOf(ir: IrModel): number {
  const s = summarizeModel(ir);
  return s.parameterCount + s.constantParameterCount;
}
