// TensorProto <-> onnxruntime-node tensors, and generated inputs as onnxruntime tensors.

import * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { ElemType, elemTypeName, type ElemTypeCode } from '../../shared/onnx/element-types.js';
import { elementCount } from '../../shared/onnx/model-summary.js';
import type { TensorProto } from '../../shared/onnx/proto-types.js';
import { decodeRawValues, encodeRawValues, type NumericTensorValues } from '../../shared/onnx/tensor-values.js';
import { float16ToFloat32 } from '../../shared/onnx/small-floats.js';
import type { InputSpec } from '../../shared/verify/input-spec.js';
import { generateInputs } from '../../shared/verify/input-values.js';
import { tensorValues, type TensorData } from '../../shared/verify/tensor-data.js';

/** ONNX element type code -> onnxruntime tensor type, for the types onnxruntime-node accepts. */
const ORT_TYPE: ReadonlyMap<number, ort.Tensor.Type> = new Map<number, ort.Tensor.Type>([
  [ElemType.FLOAT, 'float32'],
  [ElemType.DOUBLE, 'float64'],
  [ElemType.FLOAT16, 'float16'],
  [ElemType.INT8, 'int8'],
  [ElemType.INT16, 'int16'],
  [ElemType.INT32, 'int32'],
  [ElemType.INT64, 'int64'],
  [ElemType.UINT8, 'uint8'],
  [ElemType.UINT16, 'uint16'],
  [ElemType.UINT32, 'uint32'],
  [ElemType.UINT64, 'uint64'],
  [ElemType.BOOL, 'bool'],
  [ElemType.STRING, 'string'],
  [ElemType.INT4, 'int4'],
  [ElemType.UINT4, 'uint4'],
]);

const ELEM_TYPE: ReadonlyMap<string, number> = new Map([...ORT_TYPE].map(([code, name]) => [name, code]));

/** A value in a form onnxruntime-node cannot take or give (bfloat16, float8, external data, ...). */
export class UnsupportedValueError extends WorkbenchError {
  constructor(message: string) {
    super('UNSUPPORTED_VALUE', message);
    this.name = 'UnsupportedValueError';
  }
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** The onnxruntime tensor type for an ONNX element type, or undefined when onnxruntime-node has none. */
export function ortTypeOf(elemType: ElemTypeCode): ort.Tensor.Type | undefined {
  return ORT_TYPE.get(elemType);
}

/** The ONNX element type of an onnxruntime tensor type. */
export function elemTypeOfOrt(type: ort.Tensor.Type): ElemTypeCode {
  const code = ELEM_TYPE.get(type);
  if (code === undefined) throw new UnsupportedValueError(`onnxruntime tensor type '${type}' has no ONNX element type here`);
  return code;
}

// float16 as its bits, which is what onnxruntime-node takes and gives (Node 20 has no Float16Array).
function float16Bits(t: TensorProto): Uint16Array {
  const n = elementCount(t);
  if (t.rawData !== undefined) {
    if (t.rawData.length !== 2 * n) throw new WorkbenchError('TENSOR_DATA', `${t.name}: float16 raw data of ${t.rawData.length} bytes for ${n} elements`);
    return new Uint16Array(new Uint8Array(t.rawData).buffer);
  }
  const v = t.int32Data?.values() ?? [];
  if (v.length !== n) throw new WorkbenchError('TENSOR_DATA', `${t.name}: float16 int32_data has ${v.length} entries for ${n} elements`);
  return Uint16Array.from(v, (x) => Number(x) & 0xffff);
}

// int4/uint4 packed two to a byte, low nibble first: raw_data as is, int32_data one byte per entry.
function packedNibbles(t: TensorProto): Uint8Array {
  if (t.rawData !== undefined) return new Uint8Array(t.rawData);
  return Uint8Array.from(t.int32Data?.values() ?? [], (x) => Number(x) & 0xff);
}

/** A decoded TensorProto (raw_data or typed fields) as an onnxruntime tensor; its memory is never shared with the proto. */
export function toOrtTensor(t: TensorProto): ort.Tensor {
  const type = t.dataType ?? 0;
  const ortType = ORT_TYPE.get(type);
  if (!ortType) throw new UnsupportedValueError(`${t.name ?? 'tensor'}: onnxruntime-node has no ${elemTypeName(type)} tensors`);
  if (t.dataLocation === 1) throw new UnsupportedValueError(`${t.name ?? 'tensor'}: external data`);
  const dims = (t.dims ?? []).map(Number);
  switch (type) {
    case ElemType.FLOAT16:
      return new ort.Tensor('float16', float16Bits(t), dims);
    case ElemType.INT4:
    case ElemType.UINT4:
      return new ort.Tensor(ortType, packedNibbles(t), dims);
    case ElemType.STRING:
      return new ort.Tensor('string', (tensorValues(t) as Uint8Array[]).map((b) => utf8Decoder.decode(b)), dims);
  }
  return new ort.Tensor(ortType, tensorValues(t) as NumericTensorValues, dims);
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** An onnxruntime tensor's values in the form tensorProtoData gives (float16 widened to float32, bool 0/1, int4 unpacked). */
export function ortTensorData(out: ort.Tensor): TensorData {
  const elemType = elemTypeOfOrt(out.type);
  const dims = [...out.dims];
  const n = dims.reduce((a, b) => a * b, 1);
  let values: TensorData['values'];
  switch (out.type) {
    case 'float16':
      values = Float32Array.from(out.data as Uint16Array, (b) => float16ToFloat32(b));
      break;
    case 'int4':
    case 'uint4':
      values = decodeRawValues(elemType, bytesOf(out.data as ArrayBufferView), n, { copy: true }) as NumericTensorValues;
      break;
    case 'bool':
      values = Uint8Array.from(out.data as Uint8Array, (x) => (x ? 1 : 0));
      break;
    default:
      values = out.data as NumericTensorValues | string[];
  }
  return { elemType, dims, values };
}

/** An onnxruntime tensor as a TensorProto named `name`: raw_data little-endian (string_data for strings). */
export function ortTensorToProto(out: ort.Tensor, name: string): TensorProto {
  const elemType = elemTypeOfOrt(out.type);
  const t: TensorProto = out.dims.length ? { dims: [...out.dims] } : {};
  t.dataType = elemType;
  t.name = name;
  switch (out.type) {
    case 'string':
      t.stringData = (out.data as string[]).map((s) => utf8Encoder.encode(s));
      break;
    case 'float16':
      // The bits are what float16 raw_data holds; encoding them as uint16 writes them little-endian unchanged.
      t.rawData = encodeRawValues(ElemType.UINT16, out.data as Uint16Array);
      break;
    case 'int4':
    case 'uint4':
      t.rawData = bytesOf(out.data as ArrayBufferView).slice();
      break;
    default:
      t.rawData = encodeRawValues(elemType, out.data as NumericTensorValues);
  }
  return t;
}

/** Generated values for `specs` as onnxruntime feeds (see shared/verify/input-values.ts for the values). */
export function generateOrtInputs(specs: readonly InputSpec[], seed: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of generateInputs(specs, seed)) feeds[t.name!] = toOrtTensor(t);
  return feeds;
}
