// The response to an inference: JSON, or with the binary tensor data extension the JSON header
// followed by the binary outputs' bytes (its length in Inference-Header-Content-Length).

import { float16ToFloat32 } from '../../shared/onnx/small-floats.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { v2TypeOf } from './datatypes.js';
import { HEADER_LENGTH } from './infer-request.js';

export interface EncodedResponse {
  body: Buffer;
  headers: Record<string, string>;
}

function jsonData(t: HostTensor): unknown[] {
  if (Array.isArray(t.data)) return t.data;
  const d = t.data as unknown as ArrayLike<number | bigint>;
  if (t.type === 'float16') return Array.from(d as Uint16Array, (b) => float16ToFloat32(b));
  if (t.type === 'bool') return Array.from(d as Uint8Array, (b) => b !== 0);
  if (t.type === 'int64' || t.type === 'uint64') return Array.from(d as BigInt64Array, (b) => Number(b));
  return Array.from(d as Float32Array);
}

function binaryBytes(t: HostTensor): Buffer {
  if (Array.isArray(t.data)) {
    const parts: Buffer[] = [];
    for (const s of t.data) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      parts.push(len, b);
    }
    return Buffer.concat(parts);
  }
  const v = t.data as ArrayBufferView;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** The response body for a model's outputs (only `names` when given), binary for those in `binary`. */
export function encodeInferResponse(
  model: { name: string; version: string },
  id: string | undefined,
  outputs: HostTensor[],
  names: readonly string[],
  binary: ReadonlySet<string>,
  extra: Record<string, unknown> = {},
): EncodedResponse {
  const chosen = names.length ? names.map((n) => outputs.find((o) => o.name === n)!).filter(Boolean) : outputs;
  const blobs: Buffer[] = [];
  const wire = chosen.map((t) => {
    const head = { name: t.name, datatype: v2TypeOf(t.type) ?? t.type, shape: t.dims };
    if (!binary.has(t.name)) return { ...head, data: jsonData(t) };
    const b = binaryBytes(t);
    blobs.push(b);
    return { ...head, parameters: { binary_data_size: b.length } };
  });
  const json = Buffer.from(JSON.stringify({ model_name: model.name, model_version: model.version, ...(id !== undefined ? { id } : {}), ...extra, outputs: wire }));
  if (!blobs.length) return { body: json, headers: { 'content-type': 'application/json' } };
  return { body: Buffer.concat([json, ...blobs]), headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(json.length) } };
}
