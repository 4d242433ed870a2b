import { WorkbenchError } from '../errors.js';
import { decodeMessage } from '../proto/decode.js';
import { encodeMessage } from '../proto/encode.js';
import type { MessageDef } from '../proto/schema.js';
import { WireError } from '../proto/wire-reader.js';
import { Model, Tensor } from './onnx-schema.js';
import type { ModelProto, TensorProto } from './proto-types.js';

function decodeAs<T>(def: MessageDef, bytes: Uint8Array, what: string): T {
  try {
    return decodeMessage(def, bytes) as T;
  } catch (e) {
    if (e instanceof WireError) {
      throw new WorkbenchError('BAD_PROTOBUF', `${what}: not a valid ${def.name}: ${e.message} at byte ${e.offset}`);
    }
    if (e instanceof RangeError) {
      // Deep recursion or an allocation the input asked for; still the input's fault.
      throw new WorkbenchError('BAD_PROTOBUF', `${what}: not a valid ${def.name}: ${e.message}`);
    }
    throw e;
  }
}

/** Decodes an ONNX model; weights stay views into `bytes`. `what` names the source in errors. */
export function decodeModel(bytes: Uint8Array, what = 'model'): ModelProto {
  if (bytes.length === 0) throw new WorkbenchError('BAD_PROTOBUF', `${what}: the file is empty`);
  const model = decodeAs<ModelProto>(Model, bytes, what);
  if (model.graph === undefined && model.irVersion === undefined) {
    throw new WorkbenchError('NOT_A_MODEL', `${what}: no ONNX graph or IR version found (is this an ONNX model?)`);
  }
  return model;
}

/** Encodes a model as segments to write in order (large tensors are not copied). */
export function encodeModel(model: ModelProto): Uint8Array[] {
  return encodeMessage(Model, model);
}

/** Decodes a serialized TensorProto (for example a conformance `input_0.pb`). */
export function decodeTensor(bytes: Uint8Array, what = 'tensor'): TensorProto {
  return decodeAs<TensorProto>(Tensor, bytes, what);
}

/** Encodes a TensorProto as segments. */
export function encodeTensor(tensor: TensorProto): Uint8Array[] {
  return encodeMessage(Tensor, tensor);
}
