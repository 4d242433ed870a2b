// The model builder: a few lines make a ModelProto for a test or a sample (like onnx.helper).
export {
  attr,
  attrs,
  attrFloat,
  attrFloats,
  attrGraph,
  attrGraphs,
  attrInts,
  attrRef,
  attrSparseTensor,
  attrSparseTensors,
  attrStrings,
  attrTensor,
  attrTensors,
  attrTypeProto,
  attrTypeProtos,
  type AttrValue,
  type TypedAttrValue,
} from './attributes.js';
export { graph, model, modelBytes, node, type GraphSpec, type GraphValue, type ModelOptions, type NodeOptions, type OpsetSpec } from './model-builder.js';
export { scalar, stringTensor, tensor, typedTensor } from './tensors.js';
export { optionalType, sequenceType, tensorType, valueInfo, type DimSpec, type ShapeSpec } from './value-info.js';
export { ElemType } from '../onnx/element-types.js';
