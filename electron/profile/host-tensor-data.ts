// Output tensors from the runtime host in the form compareTensors takes (no onnxruntime here).

import { WorkbenchError } from '../../shared/errors.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { NumericTensorValues } from '../../shared/onnx/tensor-values.js';
import { float16ToFloat32 } from '../../shared/onnx/small-floats.js';
import type { TensorData } from '../../shared/verify/tensor-data.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';

const ELEM: Record<string, number> = {
  float32: ElemType.FLOAT,
  float64: ElemType.DOUBLE,
  float16: ElemType.FLOAT16,
  int8: ElemType.INT8,
  int16: ElemType.INT16,
  int32: ElemType.INT32,
  int64: ElemType.INT64,
  uint8: ElemType.UINT8,
  uint16: ElemType.UINT16,
  uint32: ElemType.UINT32,
  uint64: ElemType.UINT64,
  bool: ElemType.BOOL,
  string: ElemType.STRING,
};

/** A host tensor as TensorData: float16 widened to float32, bool as 0/1. */
export function hostTensorData(t: HostTensor): TensorData {
  const elemType = ELEM[t.type];
  if (elemType === undefined) throw new WorkbenchError('UNSUPPORTED_VALUE', `output '${t.name}': ${t.type} tensors cannot be compared here`);
  let values: TensorData['values'];
  if (t.type === 'float16') values = Float32Array.from(t.data as Uint16Array, (b) => float16ToFloat32(b));
  else if (t.type === 'bool') values = Uint8Array.from(t.data as Uint8Array, (x) => (x ? 1 : 0));
  else values = t.data as NumericTensorValues | string[];
  return { elemType, dims: t.dims, values };
}
