// A tensor's element type, shape and decoded values: the common form in which outputs of any
// runtime and TensorProtos from files are compared.

import { WorkbenchError } from '../errors.js';
import { ElemType, typedDataField, type ElemTypeCode } from '../onnx/element-types.js';
import { elementCount } from '../onnx/model-summary.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { decodeRawValues, decodeTypedValues, type NumericTensorValues, type TensorValues } from '../onnx/tensor-values.js';
import type { PackedValues } from '../proto/packed-values.js';

/** Decoded tensor: numbers as tensor-values.ts gives them (16-bit floats widened to float32, bool 0/1), strings as JS strings. */
export interface TensorData {
  elemType: ElemTypeCode;
  dims: readonly number[];
  values: NumericTensorValues | readonly string[];
}

const utf8 = new TextDecoder('utf-8');

/** A TensorProto's values from raw_data or its typed field (never aliasing the proto's bytes); external data is refused. */
export function tensorValues(t: TensorProto, what = t.name ?? 'tensor'): TensorValues {
  const type = t.dataType ?? 0;
  const n = elementCount(t);
  if (t.dataLocation === 1) throw new WorkbenchError('TENSOR_DATA', `${what}: external data`);
  if (t.rawData !== undefined && type !== ElemType.STRING) return decodeRawValues(type, t.rawData, n, { copy: true, name: what });
  if (type === ElemType.STRING) return decodeTypedValues(type, t.stringData ?? [], n, { name: what });
  const field = typedDataField(type);
  const stored = field ? (t[field] as PackedValues | undefined) : undefined;
  return decodeTypedValues(type, stored?.values() ?? [], n, { name: what });
}

/** A TensorProto as TensorData (strings decoded as UTF-8). */
export function tensorProtoData(t: TensorProto, what = t.name ?? 'tensor'): TensorData {
  const values = tensorValues(t, what);
  return {
    elemType: t.dataType ?? 0,
    dims: (t.dims ?? []).map(Number),
    values: Array.isArray(values) ? values.map((b) => utf8.decode(b)) : (values as NumericTensorValues),
  };
}
