// An inference request of the KServe v2 protocol, parsed and checked against the model's inputs:
// JSON data (flat or nested) or the binary tensor data extension (a JSON header, its length in
// Inference-Header-Content-Length, followed by each binary input's bytes in order).

import { float32ToFloat16Bits } from '../../shared/onnx/small-floats.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { arrayFromBytes, elementBytes, makeArray, ortTypeOfV2, v2TypeOf } from './datatypes.js';
import type { ServedModel } from './served-model.js';
import { badRequest } from './serving-error.js';

export const HEADER_LENGTH = 'inference-header-content-length';

export interface InferRequest {
  /** The client's request id, echoed in the response. */
  id?: string;
  inputs: HostTensor[];
  /** Outputs asked for (all when empty), and which of them come back as binary data. */
  outputs: string[];
  binaryOutputs: Set<string>;
  /** The rows of the batch dim (the first dim of the first input), for batching. */
  rows: number;
}

interface WireTensor {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
  parameters?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseHeader(body: Buffer, headerLength: string | undefined): { json: unknown; binary: Buffer } {
  let jsonBytes: Buffer = body;
  let binary: Buffer = Buffer.alloc(0);
  if (headerLength !== undefined) {
    const n = Number(headerLength);
    if (!Number.isInteger(n) || n < 0 || n > body.length) throw badRequest(`${HEADER_LENGTH} is ${headerLength}, but the body has ${body.length} bytes`);
    jsonBytes = body.subarray(0, n);
    binary = body.subarray(n);
  }
  try {
    return { json: JSON.parse(jsonBytes.toString('utf8')), binary };
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function flatten(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
}

/** The whole numbers each integer type holds: a typed array would wrap anything outside silently. */
const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function checkRange(name: string, ortType: string, i: number, v: number): void {
  const range = INT_RANGES[ortType];
  if (!range) return;
  const b = BigInt(v);
  if (b < range[0] || b > range[1]) throw badRequest(`input '${name}': value ${i} (${v}) is out of range for ${v2TypeOf(ortType) ?? ortType} (${range[0]}..${range[1]})`);
}

function jsonValues(name: string, ortType: string, data: unknown, n: number): HostTensor['data'] {
  const flat: unknown[] = [];
  flatten(data, flat);
  if (flat.length !== n) throw badRequest(`input '${name}': ${flat.length} values for a shape of ${n} elements`);
  if (ortType === 'string') {
    if (!flat.every((v) => typeof v === 'string')) throw badRequest(`input '${name}': BYTES data must be strings`);
    return flat as string[];
  }
  const arr = makeArray(ortType, n);
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    if (ortType === 'bool') {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw badRequest(`input '${name}': BOOL data must be true or false, not ${JSON.stringify(v)}`);
      arr[i] = v ? 1 : 0;
      continue;
    }
    if (typeof v !== 'number' || (!Number.isFinite(v) && !ortType.startsWith('float'))) throw badRequest(`input '${name}': value ${i} is ${JSON.stringify(v)}, not a number`);
    if (ortType.startsWith('float')) {
      arr[i] = ortType === 'float16' ? float32ToFloat16Bits(v) : v;
      continue;
    }
    if (!Number.isInteger(v)) throw badRequest(`input '${name}': value ${i} (${v}) is not a whole number`);
    checkRange(name, ortType, i, v);
    if (ortType === 'int64' || ortType === 'uint64') (arr as BigInt64Array)[i] = BigInt(v);
    else arr[i] = v;
  }
  return arr;
}

function binaryStrings(name: string, bytes: Buffer, n: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw badRequest(`input '${name}': BYTES data ends inside a length prefix`);
    const len = bytes.readUInt32LE(at);
    if (at + 4 + len > bytes.length) throw badRequest(`input '${name}': BYTES element ${out.length} runs past its data`);
    out.push(bytes.toString('utf8', at + 4, at + 4 + len));
    at += 4 + len;
  }
  if (out.length !== n) throw badRequest(`input '${name}': ${out.length} BYTES elements for a shape of ${n} elements`);
  return out;
}

/**
 * Parses and checks a request: every input of the model given once (except `optional` ones),
 * with its declared data type, rank and fixed dims, and as many values as its shape holds.
 */
export function parseInferRequest(body: Buffer, headerLength: string | undefined, model: ServedModel, optional: ReadonlySet<string> = new Set()): InferRequest {
  const { json, binary } = parseHeader(body, headerLength);
  if (!isObject(json)) throw badRequest('the request body must be a JSON object with "inputs"');
  if (!Array.isArray(json.inputs)) throw badRequest('the request needs "inputs": an array of tensors');
  let at = 0;
  const inputs: HostTensor[] = [];
  for (const [k, raw] of (json.inputs as unknown[]).entries()) {
    if (!isObject(raw)) throw badRequest(`inputs[${k}] is not an object`);
    const t = raw as WireTensor;
    if (typeof t.name !== 'string') throw badRequest(`inputs[${k}] has no "name"`);
    const name = t.name;
    const decl = model.inputs.find((i) => i.name === name);
    if (!decl) throw badRequest(`model '${model.name}' has no input '${name}' (its inputs: ${model.inputs.map((i) => i.name).join(', ')})`);
    if (inputs.some((i) => i.name === name)) throw badRequest(`input '${name}' is given twice`);
    const ortType = typeof t.datatype === 'string' ? ortTypeOfV2(t.datatype) : undefined;
    if (!ortType) throw badRequest(`input '${name}': unknown datatype ${JSON.stringify(t.datatype)}`);
    if (ortType !== decl.type) throw badRequest(`input '${name}': datatype ${String(t.datatype)}, but the model takes ${v2TypeOf(decl.type) ?? decl.type}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw badRequest(`input '${name}': "shape" must be an array of non-negative whole numbers`);
    const dims = t.shape as number[];
    if (decl.shape) {
      if (dims.length !== decl.shape.length) throw badRequest(`input '${name}': shape [${dims}] has rank ${dims.length}, the model takes rank ${decl.shape.length} ([${decl.shape.map((d) => d ?? -1)}])`);
      decl.shape.forEach((d, i) => {
        if (d !== null && dims[i] !== d) throw badRequest(`input '${name}': dim ${i} is ${dims[i]}, the model takes ${d} ([${decl.shape!.map((x) => x ?? -1)}])`);
      });
    }
    const n = dims.reduce((a, b) => a * b, 1);
    const size = t.parameters?.binary_data_size;
    let data: HostTensor['data'];
    if (size !== undefined) {
      if (!Number.isInteger(size) || (size as number) < 0) throw badRequest(`input '${name}': binary_data_size must be a whole number`);
      if (at + (size as number) > binary.length) throw badRequest(`input '${name}': binary_data_size ${String(size)} runs past the body's binary data (${binary.length - at} bytes left)`);
      const bytes = binary.subarray(at, at + (size as number));
      at += size as number;
      if (ortType === 'string') data = binaryStrings(name, bytes, n);
      else {
        const need = n * elementBytes(ortType)!;
        if (bytes.length !== need) throw badRequest(`input '${name}': ${bytes.length} bytes of binary data for ${n} ${String(t.datatype)} elements (${need} bytes)`);
        data = arrayFromBytes(ortType, bytes, n);
      }
    } else {
      if (t.data === undefined) throw badRequest(`input '${name}' has neither "data" nor binary_data_size`);
      data = jsonValues(name, ortType, t.data, n);
    }
    inputs.push({ name, type: ortType, dims, data });
  }
  if (at !== binary.length) throw badRequest(`the body has ${binary.length - at} bytes of binary data that no input claims`);
  const missing = model.inputs.filter((i) => !optional.has(i.name) && !inputs.some((g) => g.name === i.name));
  if (missing.length) throw badRequest(`model '${model.name}' needs input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m.name}'`).join(', ')}`);

  const outputs: string[] = [];
  const binaryOutputs = new Set<string>();
  const allBinary = isObject(json.parameters) && json.parameters.binary_data_output === true;
  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs)) throw badRequest('"outputs" must be an array');
    for (const [k, o] of (json.outputs as unknown[]).entries()) {
      if (!isObject(o) || typeof o.name !== 'string') throw badRequest(`outputs[${k}] needs a "name"`);
      if (!model.outputs.some((m) => m.name === o.name)) throw badRequest(`model '${model.name}' has no output '${o.name}' (its outputs: ${model.outputs.map((m) => m.name).join(', ')})`);
      outputs.push(o.name);
      if (allBinary || (isObject(o.parameters) && o.parameters.binary_data === true)) binaryOutputs.add(o.name);
    }
  }
  if (allBinary) for (const o of outputs.length ? outputs : model.outputs.map((m) => m.name)) binaryOutputs.add(o);
  const rows = inputs[0]?.dims[0] ?? 1;
  if (model.batchable && inputs.some((i) => i.dims[0] !== rows)) throw badRequest(`the inputs' first dims differ (${inputs.map((i) => `${i.name}: ${i.dims[0]}`).join(', ')}); they are the batch dim`);
  const id = typeof json.id === 'string' ? json.id : undefined;
  return { ...(id !== undefined ? { id } : {}), inputs, outputs, binaryOutputs, rows };
}
