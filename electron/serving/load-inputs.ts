// The request body a load test sends: a KServe v2 request from a .json file as it is, values
// from .npy/.pb files, or values generated for the model's inputs as the server describes them
// (seeded, like verification's), sent with the binary tensor data extension.

import { readFile } from 'node:fs/promises';
import { graph, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import { elemTypeFromName } from '../../shared/onnx/element-types.js';
import { planInputs } from '../../shared/verify/input-spec.js';
import { generateInputs } from '../../shared/verify/input-values.js';
import { fsError } from '../io/fs-errors.js';
import { loadInputFiles } from '../runtime/input-files.js';
import { ortTypeOfV2 } from './datatypes.js';
import { HEADER_LENGTH } from './infer-request.js';

export interface V2Value {
  name: string;
  datatype: string;
  shape: number[];
}

export interface LoadBody {
  body: Uint8Array;
  headers: Record<string, string>;
}

function binaryBody(parts: { name: string; datatype: string; shape: number[]; bytes: Uint8Array }[]): LoadBody {
  const header = Buffer.from(JSON.stringify({ inputs: parts.map((p) => ({ name: p.name, datatype: p.datatype, shape: p.shape, parameters: { binary_data_size: p.bytes.length } })), parameters: { binary_data_output: true } }));
  return { body: Buffer.concat([header, ...parts.map((p) => p.bytes)]), headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.length) } };
}

function declared(inputs: V2Value[]) {
  return inputs.map((i) => {
    const ort = ortTypeOfV2(i.datatype);
    const elem = ort && ort !== 'string' ? elemTypeFromName(ort) : undefined;
    if (elem === undefined) throw new WorkbenchError('BAD_INPUT', `input '${i.name}' is ${i.datatype}: give its values with --inputs`);
    return valueInfo(i.name, elem, i.shape.map((d) => (d < 0 ? null : d)));
  });
}

/** The body for `inputs` (the model's, from its metadata): from `path` when given, else generated with `batch` rows. */
export async function loadBody(inputs: V2Value[], path: string | undefined, batch: number, seed: number): Promise<LoadBody> {
  if (path?.toLowerCase().endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      return fsError(e, path, 'reading --inputs');
    }
    try {
      const json = JSON.parse(text) as { inputs?: unknown };
      if (!Array.isArray(json.inputs)) throw new Error('it has no "inputs" array');
    } catch (e) {
      throw new WorkbenchError('BAD_INPUT', `--inputs ${path}: not a KServe v2 inference request: ${(e as Error).message}`);
    }
    return { body: Buffer.from(text), headers: { 'content-type': 'application/json' } };
  }
  const vis = declared(inputs);
  if (path !== undefined) {
    const loaded = await loadInputFiles(path, vis);
    return binaryBody(
      inputs.map((i) => {
        const t = loaded.get(i.name)!.tensor;
        const d = t.data as ArrayBufferView;
        return { name: i.name, datatype: i.datatype, shape: t.dims, bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
      }),
    );
  }
  return binaryBody(generateValues(inputs, batch, seed));
}

/** Seeded values for the inputs (as verification generates them), `batch` rows where the first dim is free, other free dims 1. */
export function generateValues(inputs: V2Value[], batch: number, seed: number): { name: string; datatype: string; shape: number[]; bytes: Uint8Array }[] {
  const dims = Object.fromEntries(inputs.filter((i) => i.shape.length && i.shape[0]! < 0).map((i) => [`${i.name}[0]`, batch]));
  const plan = planInputs(graph({ nodes: [], inputs: declared(inputs) }), { dims });
  const tensors = generateInputs(plan.inputs, seed);
  return inputs.map((i, k) => ({ name: i.name, datatype: i.datatype, shape: plan.inputs[k]!.shape, bytes: tensors[k]!.rawData ?? new Uint8Array() }));
}
