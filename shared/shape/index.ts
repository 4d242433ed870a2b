// Shape and type inference: symbolic dims, inferred value types, the engine, and writing results back.
export { applyValueInfo, type AppliedValueInfo } from './apply-value-info.js';
export {
  broadcastDim,
  broadcastShapes,
  canonicalDim,
  dimAdd,
  dimCeilDiv,
  dimDivExact,
  dimEquals,
  dimFloorDiv,
  dimMul,
  dimProduct,
  dimSub,
  dimToString,
  isStaticDim,
  isStaticShape,
  unifyDim,
  type Dim,
} from './dims.js';
export { inferShapes, type InferOptions, type NodeFailure, type ShapeInference, type TypeConflict, type UnhandledOp } from './infer.js';
export { isKnownValue, type Known, type KnownStrings, type KnownValue } from './known-values.js';
export { handledOps } from './registry.js';
export {
  canonicalType,
  mergeDeclared,
  optionalOf,
  sequenceOf,
  tensorOf,
  typeFromProto,
  typesEqual,
  typeToProto,
  typeToString,
  unifyTypes,
  type MapType,
  type OptionalType,
  type SequenceType,
  type TensorType,
  type ValueType,
} from './types.js';
