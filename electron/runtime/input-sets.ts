// Several input sets from files, for verification: `--inputs` names a file or a folder of files
// (one set), or a folder of folders (one set each, sorted by name: the ONNX test-data layout
// test_data_set_0/, test_data_set_1/, ...). Within a set, a file may hold several samples along
// a leading axis; each sample is then a set of its own (see sampleLayout).

import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { fsError } from '../io/fs-errors.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import { checkAgainstDeclared, loadInputFiles, type LoadedInput } from './input-files.js';

/** One set of input values, and where it came from. */
export interface FileInputSet {
  /** The folder (or file) it came from, and which sample when a file held several. */
  label: string;
  values: Map<string, LoadedInput>;
}

interface SampleLayout {
  /** Samples the value holds: 1 when it fits the input as it is. */
  count: number;
  /** The shape of one sample. */
  dims: number[];
}

function fits(dims: readonly number[], want: ValueInfoProto['type']): boolean {
  if (!want?.tensorType?.shape) return true;
  const shape = want.tensorType.shape.dim ?? [];
  return shape.length === dims.length && shape.every((d, i) => !(d.dimValue !== undefined && Number(d.dimValue) >= 0) || Number(d.dimValue) === dims[i]);
}

/**
 * How a file's value splits into samples. It fits the input: one sample. It has one axis more
 * than the input: the leading axis counts samples. The input's first dim is fixed at d and the
 * value holds a multiple of d there: samples of d rows. Anything else is the usual shape error.
 * (A symbolic first dim is a batch the model takes whole, so it is never split.)
 */
function sampleLayout(name: string, v: LoadedInput, vi: ValueInfoProto): SampleLayout {
  const dims = v.tensor.dims;
  const source = basename(v.source);
  let layout: SampleLayout = { count: 1, dims };
  if (!fits(dims, vi.type) && dims.length > 0) {
    const first = vi.type?.tensorType?.shape?.dim?.[0];
    const fixed = first?.dimValue !== undefined && Number(first.dimValue) > 0 ? Number(first.dimValue) : undefined;
    if (fits(dims.slice(1), vi.type)) layout = { count: dims[0]!, dims: dims.slice(1) };
    else if (fixed !== undefined && dims[0]! % fixed === 0 && fits([fixed, ...dims.slice(1)], vi.type)) layout = { count: dims[0]! / fixed, dims: [fixed, ...dims.slice(1)] };
  }
  checkAgainstDeclared(name, v.elemType, layout.dims, vi, source);
  if (layout.count > 1 && (v.tensor.type === 'int4' || v.tensor.type === 'uint4')) {
    throw new WorkbenchError('BAD_INPUT', `${source}: input '${name}' holds ${layout.count} samples of packed ${v.tensor.type}, which cannot be split; give one file per set`);
  }
  return layout;
}

function sample(v: LoadedInput, layout: SampleLayout, k: number): LoadedInput {
  if (layout.count === 1) return v;
  const n = layout.dims.reduce((a, b) => a * b, 1);
  const data = v.tensor.data;
  const part = Array.isArray(data) ? data.slice(k * n, (k + 1) * n) : (data as Float32Array).subarray(k * n, (k + 1) * n);
  return { ...v, tensor: { ...v.tensor, dims: layout.dims, data: part as HostTensor['data'] }, source: `${v.source} [sample ${k + 1}]` };
}

/** One folder's (or file's) values, split into its samples. */
async function setsOf(path: string, label: string, declared: readonly ValueInfoProto[], optional: readonly string[]): Promise<FileInputSet[]> {
  const values = await loadInputFiles(path, declared, { optional, samples: true });
  const layouts = new Map([...values].map(([name, v]) => [name, sampleLayout(name, v, declared.find((d) => d.name === name)!)]));
  const split = [...layouts].filter(([, l]) => l.count > 1);
  const count = split[0]?.[1].count ?? 1;
  const other = split.find(([, l]) => l.count !== count);
  if (other) {
    throw new WorkbenchError('BAD_INPUT', `--inputs ${path}: '${split[0]![0]}' holds ${count} samples, '${other[0]}' ${other[1].count}; inputs split into samples must hold as many`);
  }
  if (count === 1) return [{ label, values }];
  return Array.from({ length: count }, (_, k) => ({
    label: `${label} sample ${k + 1} of ${count}`,
    values: new Map([...values].map(([name, v]) => [name, sample(v, layouts.get(name)!, k)])),
  }));
}

/**
 * The input sets at `path` for the model's runtime inputs `declared`; inputs in `optional` may
 * have no file. Every set is checked against the declared types and shapes.
 */
export async function loadInputSets(path: string, declared: readonly ValueInfoProto[], optional: readonly string[] = []): Promise<FileInputSet[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    return fsError(e, path, 'reading --inputs');
  }
  if (!isDir) return setsOf(path, basename(path), declared, optional);
  const entries = await readdir(path, { withFileTypes: true });
  const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files = entries.some((e) => e.isFile() && /\.(npy|pb)$/i.test(e.name));
  if (!folders.length || files) {
    if (folders.length && files) throw new WorkbenchError('BAD_INPUT', `--inputs ${path}: holds both input files and folders; give one folder of files, or one folder per input set`);
    return setsOf(path, basename(path), declared, optional);
  }
  const sets: FileInputSet[] = [];
  for (const f of folders) sets.push(...(await setsOf(join(path, f), f, declared, optional)));
  return sets;
}
