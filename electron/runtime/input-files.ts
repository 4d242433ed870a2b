// Input values from files: a .npy or .pb (TensorProto) file, or a folder of them. A file names
// its input by its TensorProto name, by its file name (`<input>.npy`), or by position
// (`input_<k>.npy` / `input_<k>.pb`, the ONNX test-data convention). Each value is checked
// against the model's declared type and shape before anything runs. `output_<k>.pb` files (the
// expected outputs in an ONNX test-data folder) are skipped unless an input has that name.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { elemTypeName } from '../../shared/onnx/element-types.js';
import { decodeTensor } from '../../shared/onnx/model-codec.js';
import type { ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { parseNpy } from '../../shared/profile/npy.js';
import { fsError } from '../io/fs-errors.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { ortTypeOf, toOrtTensor } from './ort-tensors.js';

export interface LoadedInput {
  tensor: HostTensor;
  elemType: number;
  /** The file it came from. */
  source: string;
}

interface FileValue {
  path: string;
  /** Name the file itself gives (TensorProto name), if any. */
  ownName?: string;
  elemType: number;
  tensor: HostTensor;
}

async function readValue(path: string): Promise<FileValue> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return fsError(e, path, 'reading the input');
  }
  const what = basename(path);
  if (extname(path).toLowerCase() === '.npy') {
    const a = parseNpy(bytes, what);
    const type = ortTypeOf(a.elemType);
    if (!type) throw new WorkbenchError('BAD_INPUT', `${what}: onnxruntime-node has no ${elemTypeName(a.elemType)} tensors`);
    return { path, elemType: a.elemType, tensor: { name: '', type, dims: a.dims, data: a.data } };
  }
  const proto = decodeTensor(bytes, what);
  const t = toOrtTensor(proto);
  return { path, ...(proto.name ? { ownName: proto.name } : {}), elemType: proto.dataType ?? 0, tensor: { name: '', type: t.type, dims: [...t.dims], data: t.data as HostTensor['data'] } };
}

export interface LoadInputOptions {
  /** Inputs that may have no file: the caller gives them another way (verification's --value). */
  optional?: readonly string[];
  /** Leave the shape check to the caller, which reads a leading axis of samples (input-sets.ts). */
  samples?: boolean;
}

async function filesAt(path: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    return fsError(e, path, 'reading --inputs');
  }
  if (!isDir) return [path];
  const files = (await readdir(path)).filter((f) => /\.(npy|pb)$/i.test(f)).sort();
  if (!files.length) throw new WorkbenchError('BAD_INPUT', `--inputs ${path}: the folder holds no .npy or .pb files`);
  return files.map((f) => join(path, f));
}

function nameFor(v: FileValue, declared: readonly string[], single: boolean): string {
  if (v.ownName !== undefined && declared.includes(v.ownName)) return v.ownName;
  const stem = basename(v.path).replace(/\.(npy|pb)$/i, '');
  if (declared.includes(stem)) return stem;
  const k = /^input_(\d+)$/.exec(stem);
  if (k && Number(k[1]) < declared.length) return declared[Number(k[1])]!;
  if (single && declared.length === 1) return declared[0]!;
  throw new WorkbenchError('BAD_INPUT', `${basename(v.path)}: matches no input of the model (inputs: ${declared.join(', ')}); name it <input>.npy, input_<k>.npy, or give the TensorProto that name`);
}

/** Checks a value against the declared input: element type, rank and every fixed dim. */
export function checkAgainstDeclared(name: string, elemType: number, dims: readonly number[], vi: ValueInfoProto, source: string): void {
  const t = vi.type?.tensorType;
  if (!t) return;
  if (t.elemType !== undefined && t.elemType !== elemType) {
    throw new WorkbenchError('BAD_INPUT', `${source}: input '${name}' is ${elemTypeName(t.elemType)}, the file holds ${elemTypeName(elemType)}`);
  }
  // A shape with no dims is a scalar (the dim list is left absent when empty); no shape is unknown rank.
  if (!t.shape) return;
  const want = t.shape.dim ?? [];
  const shape = `[${want.map((d) => (d.dimValue !== undefined ? String(d.dimValue) : d.dimParam || '?')).join(', ')}]`;
  if (want.length !== dims.length) throw new WorkbenchError('BAD_INPUT', `${source}: input '${name}' has shape ${shape}, the file holds [${dims.join(', ')}]`);
  want.forEach((d, i) => {
    if (d.dimValue !== undefined && Number(d.dimValue) >= 0 && Number(d.dimValue) !== dims[i]) {
      throw new WorkbenchError('BAD_INPUT', `${source}: input '${name}' has shape ${shape}, the file holds [${dims.join(', ')}] (axis ${i})`);
    }
  });
}

/**
 * Loads the values at `path` (a file or a folder) for the model's runtime inputs `declared`.
 * Every declared input must get exactly one value; a file that fits none is an error.
 */
export async function loadInputFiles(path: string, declared: readonly ValueInfoProto[], options: LoadInputOptions = {}): Promise<Map<string, LoadedInput>> {
  const names = declared.map((d) => d.name ?? '');
  const files = (await filesAt(path)).filter((f) => !/^output_\d+\.pb$/i.test(basename(f)) || names.includes(basename(f).slice(0, -3)));
  const out = new Map<string, LoadedInput>();
  for (const f of files) {
    const v = await readValue(f);
    const name = nameFor(v, names, files.length === 1);
    if (out.has(name)) throw new WorkbenchError('BAD_INPUT', `--inputs ${path}: two files give input '${name}' (${basename(out.get(name)!.source)}, ${basename(f)})`);
    if (!options.samples) checkAgainstDeclared(name, v.elemType, v.tensor.dims, declared[names.indexOf(name)]!, basename(f));
    out.set(name, { tensor: { ...v.tensor, name }, elemType: v.elemType, source: f });
  }
  const optional = new Set(options.optional ?? []);
  const missing = names.filter((n) => !out.has(n) && !optional.has(n));
  if (missing.length) throw new WorkbenchError('MISSING_INPUT', `--inputs ${path}: no value for input '${missing[0]}' (the model's inputs: ${names.join(', ')})`);
  return out;
}
