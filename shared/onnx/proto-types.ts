import type { DecodedMessage } from '../proto/decode.js';
import type { PackedValues } from '../proto/packed-values.js';
import type { Int64 } from '../proto/wire-reader.js';

// TypeScript views of the decoded onnx.proto messages (see onnx-schema.ts for field numbers).
// Every field is optional: proto2 distinguishes "absent" from "present with a default value",
// and writing a model back byte for byte depends on keeping that difference.

export type { Int64 };

export interface StringStringEntryProto extends DecodedMessage {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto extends DecodedMessage {
  domain?: string;
  version?: Int64;
}

export interface TensorProto extends DecodedMessage {
  dims?: Int64[];
  dataType?: number;
  segment?: DecodedMessage & { begin?: Int64; end?: Int64 };
  floatData?: PackedValues;
  int32Data?: PackedValues;
  stringData?: Uint8Array[];
  int64Data?: PackedValues;
  name?: string;
  rawData?: Uint8Array;
  doubleData?: PackedValues;
  uint64Data?: PackedValues;
  docString?: string;
  externalData?: StringStringEntryProto[];
  /** 0 = DEFAULT (in this message), 1 = EXTERNAL. */
  dataLocation?: number;
  metadataProps?: StringStringEntryProto[];
}

export interface SparseTensorProto extends DecodedMessage {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: Int64[];
}

export interface DimensionProto extends DecodedMessage {
  dimValue?: Int64;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto extends DecodedMessage {
  dim?: DimensionProto[];
}

export interface TypeProto extends DecodedMessage {
  tensorType?: DecodedMessage & { elemType?: number; shape?: TensorShapeProto };
  sequenceType?: DecodedMessage & { elemType?: TypeProto };
  mapType?: DecodedMessage & { keyType?: number; valueType?: TypeProto };
  denotation?: string;
  opaqueType?: DecodedMessage & { domain?: string; name?: string };
  sparseTensorType?: DecodedMessage & { elemType?: number; shape?: TensorShapeProto };
  optionalType?: DecodedMessage & { elemType?: TypeProto };
}

export interface ValueInfoProto extends DecodedMessage {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

/** AttributeProto.AttributeType. */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface AttributeProto extends DecodedMessage {
  name?: string;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  docString?: string;
  tp?: TypeProto;
  typeProtos?: TypeProto[];
  type?: number;
  refAttrName?: string;
  sparseTensor?: SparseTensorProto;
  sparseTensors?: SparseTensorProto[];
}

export interface ShardingSpecProto extends DecodedMessage {
  tensorName?: string;
  device?: Int64[];
  indexToDeviceGroupMap?: (DecodedMessage & { key?: Int64; value?: Int64[] })[];
  shardedDim?: (DecodedMessage & {
    axis?: Int64;
    simpleSharding?: (DecodedMessage & { dimValue?: Int64; dimParam?: string; numShards?: Int64 })[];
  })[];
}

export interface NodeDeviceConfigurationProto extends DecodedMessage {
  configurationId?: string;
  shardingSpec?: ShardingSpecProto[];
  pipelineStage?: number;
}

export interface NodeProto extends DecodedMessage {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttributeProto[];
  docString?: string;
  domain?: string;
  overload?: string;
  metadataProps?: StringStringEntryProto[];
  deviceConfigurations?: NodeDeviceConfigurationProto[];
}

export interface TensorAnnotationProto extends DecodedMessage {
  tensorName?: string;
  quantParameterTensorNames?: StringStringEntryProto[];
}

export interface GraphProto extends DecodedMessage {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  quantizationAnnotation?: TensorAnnotationProto[];
  sparseInitializer?: SparseTensorProto[];
  metadataProps?: StringStringEntryProto[];
}

export interface TrainingInfoProto extends DecodedMessage {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initializationBinding?: StringStringEntryProto[];
  updateBinding?: StringStringEntryProto[];
}

export interface FunctionProto extends DecodedMessage {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  node?: NodeProto[];
  docString?: string;
  opsetImport?: OperatorSetIdProto[];
  domain?: string;
  attributeProto?: AttributeProto[];
  valueInfo?: ValueInfoProto[];
  overload?: string;
  metadataProps?: StringStringEntryProto[];
}

export interface DeviceConfigurationProto extends DecodedMessage {
  name?: string;
  numDevices?: number;
  device?: string[];
}

export interface ModelProto extends DecodedMessage {
  irVersion?: Int64;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto;
  opsetImport?: OperatorSetIdProto[];
  metadataProps?: StringStringEntryProto[];
  trainingInfo?: TrainingInfoProto[];
  functions?: FunctionProto[];
  configuration?: DeviceConfigurationProto[];
}
