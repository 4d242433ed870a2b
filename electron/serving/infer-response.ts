// The response to an inference: JSON, or with the binary tensor data extension the JSON header
// followed by the binary outputs' bytes (its length in Inference-Header-Content-Length). The
// body stays in parts, the outputs' bytes uncopied: joining a 512 KiB output to its header cost
// the direct path about 0.7 ms an answer here (a fresh buffer to fault in, and garbage that the
// host's few scavenges left to full collections).

import { float16ToFloat32 } from '../../shared/onnx/small-floats.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { v2TypeOf } from './datatypes.js';
import { HEADER_LENGTH } from './infer-request.js';

export interface EncodedResponse {
  /** The body, in order: the JSON, then each binary output's bytes (the output's own memory). */
  parts: Buffer[];
  /** The body's length in bytes. */
  length: number;
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
  if (!blobs.length) return { parts: [json], length: json.length, headers: { 'content-type': 'application/json' } };
  const parts = [json, ...blobs];
  return { parts, length: parts.reduce((n, p) => n + p.length, 0), headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(json.length) } };
}
