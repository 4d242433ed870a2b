// Helpers for the shape inference tests: build a model from a graph spec and infer it.
import { graph, model, type GraphSpec, type OpsetSpec } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { inferShapes, type InferOptions, type ShapeInference } from '../../shared/shape/infer.js';
import { typeToString } from '../../shared/shape/types.js';

export interface Inferred {
  model: IrModel;
  result: ShapeInference;
  /** A value's inferred type as text (`float[batch,seq*2]`), seen from the main graph. */
  type(name: string): string;
  /** A value's known contents (numbers and symbolic dims), if inference knows them. */
  value(name: string): unknown[] | undefined;
}

/** Builds the graph into a model (opset 17 unless told) and infers its shapes. */
export function infer(spec: GraphSpec, options: InferOptions & { opset?: number | readonly OpsetSpec[] } = {}): Inferred {
  const { opset, ...inferOptions } = options;
  const m = new IrModel(model(graph(spec), { opset: opset ?? 17 }));
  const result = inferShapes(m, inferOptions);
  return {
    model: m,
    result,
    type: (name) => typeToString(result.typeOf(m.graph, name)),
    value: (name) => {
      const v = result.valueOf(m.graph, name);
      return v && 'data' in v ? [...v.data] : v ? [...v.strings] : undefined;
    },
  };
}
