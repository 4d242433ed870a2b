import { open, realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { externalDataOf, type ExternalDataRef } from '../../shared/onnx/external-data.js';
import { listModelTensors } from '../../shared/onnx/map-tensors.js';
import type { ModelProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { fsError } from './fs-errors.js';

/** One external-data file a model refers to. */
export interface ExternalFile {
  /** As written in the model (normalized). */
  location: string;
  path: string;
  size: number;
}

/**
 * The external-data files of one model, checked once at open: each location stays inside the
 * model's folder (symlinks included), each file exists, and each tensor's range lies within it.
 * Tensor bytes are read only when asked for.
 */
export class ExternalData {
  private constructor(
    readonly dir: string,
    private readonly files: Map<string, ExternalFile>,
  ) {}

  /** The files in the order the model first mentions them. */
  get list(): ExternalFile[] {
    return [...this.files.values()];
  }

  static async check(model: ModelProto, modelDir: string, modelName: string): Promise<ExternalData> {
    const dir = await realpath(modelDir);
    const files = new Map<string, ExternalFile>();
    for (const { tensor: t } of listModelTensors(model)) {
      const ref = refOf(t, modelName);
      if (!ref) continue;
      let file = files.get(ref.location);
      if (!file) {
        file = await resolveInside(dir, ref.location, modelName, t.name ?? '');
        files.set(ref.location, file);
      }
      const end = ref.offset + (ref.length ?? 0);
      if (ref.offset > file.size || end > file.size) {
        throw new WorkbenchError(
          'BAD_EXTERNAL_DATA',
          `${modelName}: tensor "${t.name ?? ''}" reads bytes ${ref.offset}..${end} of "${ref.location}", which has only ${file.size}`,
        );
      }
    }
    return new ExternalData(dir, files);
  }

  /** The bytes of an external tensor, read from its file now. */
  async read(t: TensorProto): Promise<Uint8Array> {
    const ref = externalDataOf(t);
    if (!ref) throw new Error(`tensor "${t.name}" is not external`);
    const file = this.files.get(ref.location);
    if (!file) throw new Error(`external file "${ref.location}" was not checked at open`);
    return readRange(file.path, ref.offset, lengthOf(ref, file));
  }

  /** Where an external tensor's bytes are: path, offset and length (for streaming copies). */
  locate(t: TensorProto): { path: string; offset: number; length: number } | undefined {
    const ref = externalDataOf(t);
    if (!ref) return undefined;
    const file = this.files.get(ref.location)!;
    return { path: file.path, offset: ref.offset, length: lengthOf(ref, file) };
  }
}

/** The tensor's external-data reference; its errors name the model file too. */
function refOf(t: TensorProto, modelName: string): ExternalDataRef | undefined {
  try {
    return externalDataOf(t);
  } catch (e) {
    if (e instanceof WorkbenchError) throw new WorkbenchError(e.code, `${modelName}: ${e.message}`);
    throw e;
  }
}

function lengthOf(ref: ExternalDataRef, file: ExternalFile): number {
  return ref.length ?? file.size - ref.offset;
}

async function resolveInside(dir: string, location: string, modelName: string, tensor: string): Promise<ExternalFile> {
  const joined = join(dir, ...location.split('/'));
  let real: string;
  try {
    real = await realpath(joined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new WorkbenchError('MISSING_EXTERNAL_DATA', `${modelName}: external data file "${location}" of tensor "${tensor}" does not exist`);
    }
    return fsError(e, `${modelName}: external data "${location}" of tensor "${tensor}"`, 'resolving it');
  }
  const rel = relative(dir, real);
  if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new WorkbenchError(
      'BAD_EXTERNAL_DATA',
      `${modelName}: external data "${location}" of tensor "${tensor}" resolves outside the model's folder`,
    );
  }
  const st = await stat(real);
  if (!st.isFile()) {
    throw new WorkbenchError('BAD_EXTERNAL_DATA', `${modelName}: external data "${location}" is not a regular file`);
  }
  return { location, path: real, size: st.size };
}

/** Reads `length` bytes at `offset` of a file. */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length);
  const fh = await open(path, 'r');
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, Math.min(length - done, 1 << 30), offset + done);
      if (bytesRead === 0) throw new WorkbenchError('FILE_CHANGED', `${path}: the file shrank while being read`);
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return buf;
}
