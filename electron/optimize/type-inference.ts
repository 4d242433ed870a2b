import { inferShapes, typeToProto } from '../../shared/shape/index.js';
import type { TypeInference } from '../../shared/rewrite/value-facts.js';

/** Shape inference as the optimizer's facts expect it: per value, a TypeProto. */
export const inferTypes: TypeInference = (model) => {
  const inference = inferShapes(model);
  return (graph, value) => {
    const t = inference.typeOf(graph, value);
    return t ? typeToProto(t) : undefined;
  };
};
