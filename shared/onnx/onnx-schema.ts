import { message, type MessageDef } from '../proto/schema.js';

// Field numbers and kinds from onnx.proto (IR version 13/14: device configurations, sharding
// specs, overloads, metadata_props everywhere). Property names are camelCase of the proto names.
// Flags: r = repeated, p = packed, l = lazy (kept as undecoded bytes until asked).

export const StringStringEntry: MessageDef = message('StringStringEntryProto', [
  [1, 'key', 'string'],
  [2, 'value', 'string'],
]);

export const OperatorSetId: MessageDef = message('OperatorSetIdProto', [
  [1, 'domain', 'string'],
  [2, 'version', 'int64'],
]);

export const Segment: MessageDef = message('TensorProto.Segment', [
  [1, 'begin', 'int64'],
  [2, 'end', 'int64'],
]);

export const Tensor: MessageDef = message('TensorProto', [
  [1, 'dims', 'int64', 'r'],
  [2, 'dataType', 'int32'],
  [3, 'segment', () => Segment],
  [4, 'floatData', 'float', 'rpl'],
  [5, 'int32Data', 'int32', 'rpl'],
  [6, 'stringData', 'bytes', 'r'],
  [7, 'int64Data', 'int64', 'rpl'],
  [8, 'name', 'string'],
  [9, 'rawData', 'bytes'],
  [10, 'doubleData', 'double', 'rpl'],
  [11, 'uint64Data', 'uint64', 'rpl'],
  [12, 'docString', 'string'],
  [13, 'externalData', () => StringStringEntry, 'r'],
  [14, 'dataLocation', 'enum'],
  [16, 'metadataProps', () => StringStringEntry, 'r'],
]);

export const SparseTensor: MessageDef = message('SparseTensorProto', [
  [1, 'values', () => Tensor],
  [2, 'indices', () => Tensor],
  [3, 'dims', 'int64', 'r'],
]);

export const Dimension: MessageDef = message('TensorShapeProto.Dimension', [
  [1, 'dimValue', 'int64'],
  [2, 'dimParam', 'string'],
  [3, 'denotation', 'string'],
]);

export const TensorShape: MessageDef = message('TensorShapeProto', [[1, 'dim', () => Dimension, 'r']]);

export const TypeTensor: MessageDef = message('TypeProto.Tensor', [
  [1, 'elemType', 'int32'],
  [2, 'shape', () => TensorShape],
]);

export const TypeSequence: MessageDef = message('TypeProto.Sequence', [[1, 'elemType', () => Type]]);

export const TypeMap: MessageDef = message('TypeProto.Map', [
  [1, 'keyType', 'int32'],
  [2, 'valueType', () => Type],
]);

export const TypeOptional: MessageDef = message('TypeProto.Optional', [[1, 'elemType', () => Type]]);

export const TypeSparseTensor: MessageDef = message('TypeProto.SparseTensor', [
  [1, 'elemType', 'int32'],
  [2, 'shape', () => TensorShape],
]);

export const TypeOpaque: MessageDef = message('TypeProto.Opaque', [
  [1, 'domain', 'string'],
  [2, 'name', 'string'],
]);

export const Type: MessageDef = message('TypeProto', [
  [1, 'tensorType', () => TypeTensor],
  [4, 'sequenceType', () => TypeSequence],
  [5, 'mapType', () => TypeMap],
  [6, 'denotation', 'string'],
  [7, 'opaqueType', () => TypeOpaque],
  [8, 'sparseTensorType', () => TypeSparseTensor],
  [9, 'optionalType', () => TypeOptional],
]);

export const ValueInfo: MessageDef = message('ValueInfoProto', [
  [1, 'name', 'string'],
  [2, 'type', () => Type],
  [3, 'docString', 'string'],
  [4, 'metadataProps', () => StringStringEntry, 'r'],
]);

export const Attribute: MessageDef = message('AttributeProto', [
  [1, 'name', 'string'],
  [2, 'f', 'float'],
  [3, 'i', 'int64'],
  [4, 's', 'bytes'],
  [5, 't', () => Tensor],
  [6, 'g', () => Graph],
  [7, 'floats', 'float', 'r'],
  [8, 'ints', 'int64', 'r'],
  [9, 'strings', 'bytes', 'r'],
  [10, 'tensors', () => Tensor, 'r'],
  [11, 'graphs', () => Graph, 'r'],
  [13, 'docString', 'string'],
  [14, 'tp', () => Type],
  [15, 'typeProtos', () => Type, 'r'],
  [20, 'type', 'enum'],
  [21, 'refAttrName', 'string'],
  [22, 'sparseTensor', () => SparseTensor],
  [23, 'sparseTensors', () => SparseTensor, 'r'],
]);

export const IntIntListEntry: MessageDef = message('IntIntListEntryProto', [
  [1, 'key', 'int64'],
  [2, 'value', 'int64', 'r'],
]);

export const SimpleShardedDim: MessageDef = message('SimpleShardedDimProto', [
  [1, 'dimValue', 'int64'],
  [2, 'dimParam', 'string'],
  [3, 'numShards', 'int64'],
]);

export const ShardedDim: MessageDef = message('ShardedDimProto', [
  [1, 'axis', 'int64'],
  [2, 'simpleSharding', () => SimpleShardedDim, 'r'],
]);

export const ShardingSpec: MessageDef = message('ShardingSpecProto', [
  [1, 'tensorName', 'string'],
  [2, 'device', 'int64', 'r'],
  [3, 'indexToDeviceGroupMap', () => IntIntListEntry, 'r'],
  [4, 'shardedDim', () => ShardedDim, 'r'],
]);

export const NodeDeviceConfiguration: MessageDef = message('NodeDeviceConfigurationProto', [
  [1, 'configurationId', 'string'],
  [2, 'shardingSpec', () => ShardingSpec, 'r'],
  [3, 'pipelineStage', 'int32'],
]);

export const Node: MessageDef = message('NodeProto', [
  [1, 'input', 'string', 'r'],
  [2, 'output', 'string', 'r'],
  [3, 'name', 'string'],
  [4, 'opType', 'string'],
  [5, 'attribute', () => Attribute, 'r'],
  [6, 'docString', 'string'],
  [7, 'domain', 'string'],
  [8, 'overload', 'string'],
  [9, 'metadataProps', () => StringStringEntry, 'r'],
  [10, 'deviceConfigurations', () => NodeDeviceConfiguration, 'r'],
]);

export const TensorAnnotation: MessageDef = message('TensorAnnotation', [
  [1, 'tensorName', 'string'],
  [2, 'quantParameterTensorNames', () => StringStringEntry, 'r'],
]);

export const Graph: MessageDef = message('GraphProto', [
  [1, 'node', () => Node, 'r'],
  [2, 'name', 'string'],
  [5, 'initializer', () => Tensor, 'r'],
  [10, 'docString', 'string'],
  [11, 'input', () => ValueInfo, 'r'],
  [12, 'output', () => ValueInfo, 'r'],
  [13, 'valueInfo', () => ValueInfo, 'r'],
  [14, 'quantizationAnnotation', () => TensorAnnotation, 'r'],
  [15, 'sparseInitializer', () => SparseTensor, 'r'],
  [16, 'metadataProps', () => StringStringEntry, 'r'],
]);

export const TrainingInfo: MessageDef = message('TrainingInfoProto', [
  [1, 'initialization', () => Graph],
  [2, 'algorithm', () => Graph],
  [3, 'initializationBinding', () => StringStringEntry, 'r'],
  [4, 'updateBinding', () => StringStringEntry, 'r'],
]);

export const Function: MessageDef = message('FunctionProto', [
  [1, 'name', 'string'],
  [4, 'input', 'string', 'r'],
  [5, 'output', 'string', 'r'],
  [6, 'attribute', 'string', 'r'],
  [7, 'node', () => Node, 'r'],
  [8, 'docString', 'string'],
  [9, 'opsetImport', () => OperatorSetId, 'r'],
  [10, 'domain', 'string'],
  [11, 'attributeProto', () => Attribute, 'r'],
  [12, 'valueInfo', () => ValueInfo, 'r'],
  [13, 'overload', 'string'],
  [14, 'metadataProps', () => StringStringEntry, 'r'],
]);

export const DeviceConfiguration: MessageDef = message('DeviceConfigurationProto', [
  [1, 'name', 'string'],
  [2, 'numDevices', 'int32'],
  [3, 'device', 'string', 'r'],
]);

export const Model: MessageDef = message('ModelProto', [
  [1, 'irVersion', 'int64'],
  [2, 'producerName', 'string'],
  [3, 'producerVersion', 'string'],
  [4, 'domain', 'string'],
  [5, 'modelVersion', 'int64'],
  [6, 'docString', 'string'],
  [7, 'graph', () => Graph],
  [8, 'opsetImport', () => OperatorSetId, 'r'],
  [14, 'metadataProps', () => StringStringEntry, 'r'],
  [20, 'trainingInfo', () => TrainingInfo, 'r'],
  [25, 'functions', () => Function, 'r'],
  [26, 'configuration', () => DeviceConfiguration, 'r'],
]);

/** Sequence/Optional/Map values in conformance data (onnx-data.proto). */
export const Sequence: MessageDef = message('SequenceProto', [
  [1, 'name', 'string'],
  [2, 'elemType', 'int32'],
  [3, 'tensorValues', () => Tensor, 'r'],
  [4, 'sparseTensorValues', () => SparseTensor, 'r'],
  [5, 'sequenceValues', () => Sequence, 'r'],
  [6, 'mapValues', () => MapValue, 'r'],
  [7, 'optionalValues', () => OptionalValue, 'r'],
]);

export const MapValue: MessageDef = message('MapProto', [
  [1, 'name', 'string'],
  [2, 'keyType', 'int32'],
  [3, 'keys', 'int64', 'r'],
  [4, 'stringKeys', 'bytes', 'r'],
  [5, 'values', () => Sequence],
]);

export const OptionalValue: MessageDef = message('OptionalProto', [
  [1, 'name', 'string'],
  [2, 'elemType', 'int32'],
  [3, 'tensorValue', () => Tensor],
  [4, 'sparseTensorValue', () => SparseTensor],
  [5, 'sequenceValue', () => Sequence],
  [6, 'mapValue', () => MapValue],
  [7, 'optionalValue', () => OptionalValue],
]);
