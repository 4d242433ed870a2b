import { inferShapes, isKnownValue, typeToProto } from '../shape/index.js';
import type { TypeInference } from './value-facts.js';

/** Shape inference as the optimizer's facts expect it: per value, a TypeProto and known contents. */
export const inferTypes: TypeInference = (model) => {
  const inference = inferShapes(model);
  return {
    type: (graph, value) => {
      const t = inference.typeOf(graph, value);
      return t ? typeToProto(t) : undefined;
    },
    known: (graph, value) => {
      const k = inference.valueOf(graph, value);
      return k && isKnownValue(k) ? k : undefined;
    },
  };
};
