import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { ExternalData } from './external-data-files.js';
import { fsError } from './fs-errors.js';
import { readWholeFile } from './read-file-whole.js';

/** A model opened from disk: its bytes (which the decoded tensors view), proto, IR and external data. */
export interface OpenedModel {
  readonly path: string;
  readonly fileSize: number;
  readonly proto: ModelProto;
  readonly ir: IrModel;
  readonly external: ExternalData;
  /** A tensor's raw little-endian bytes (in-file raw_data or external data), or undefined for typed fields. */
  tensorBytes(t: TensorProto): Promise<Uint8Array | undefined>;
}

/**
 * Opens an ONNX model: reads the file once, decodes it without copying weights, builds and
 * validates the IR, and checks (but does not read) its external data. Every problem with the
 * input is a one-line WorkbenchError naming the file.
 */
export async function openModel(path: string): Promise<OpenedModel> {
  const full = resolve(path);
  const name = basename(full);
  let size: number;
  try {
    const st = await stat(full);
    if (st.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    if (!st.isFile()) throw new WorkbenchError('NOT_A_FILE', `${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    return fsError(e, path, 'opening the model');
  }
  const bytes = await readWholeFile(full, size);
  const proto = decodeModel(bytes, name);
  let ir: IrModel;
  try {
    ir = new IrModel(proto);
  } catch (e) {
    if (e instanceof WorkbenchError) throw new WorkbenchError(e.code, `${name}: ${e.message}`);
    throw e;
  }
  const external = await ExternalData.check(proto, dirname(full), name);
  return {
    path: full,
    fileSize: size,
    proto,
    ir,
    external,
    tensorBytes: async (t) => (t.dataLocation === 1 ? external.read(t) : t.rawData),
  };
}
