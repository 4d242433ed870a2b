import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { DATA_LOCATION_EXTERNAL, externalDataOf } from '../../shared/onnx/external-data.js';
import { mapModelTensors } from '../../shared/onnx/map-tensors.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { AtomicFile, type CopyRange } from './atomic-file.js';
import type { ExternalData } from './external-data-files.js';

export interface SaveOptions {
  /** Move initializers of at least `threshold` bytes into `<output name>.data` beside the model. */
  externalData?: { threshold: number };
  /** Bring external tensors back into the model file. */
  inline?: boolean;
  /** Allow the output to be the file the model was read from. */
  overwriteInput?: boolean;
  /** The model's source, for external tensors it refers to and to refuse clobbering it. */
  source?: { path: string; external: ExternalData };
}

export interface SaveResult {
  path: string;
  bytes: number;
  dataPath?: string;
  dataBytes?: number;
  externalTensors: number;
}

/** Tensors of a megabyte or more start on a page boundary, so runtimes can map them directly. */
const ALIGN_MIN = 1 << 20;
const PAGE = 4096;

interface Pending {
  tensor: TensorProto;
  offset: number;
  length: number;
  bytes?: Uint8Array;
  from?: { path: string; offset: number; length: number };
}

async function realOrSelf(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/**
 * Saves a model atomically: each file is written to a temporary name beside its target, synced,
 * then renamed over it, so a failure leaves the old files intact. External tensors of the source
 * are copied piecewise from their files (never all in memory at once); inline weights are
 * written from their views into the source buffer (never copied).
 */
export async function saveModel(model: ModelProto, outPath: string, options: SaveOptions = {}): Promise<SaveResult> {
  const out = resolve(outPath);
  const realOut = await realOrSelf(out);
  const { source } = options;
  if (source && !options.overwriteInput && realOut === (await realOrSelf(source.path))) {
    throw new WorkbenchError('WOULD_OVERWRITE', `${outPath}: refusing to overwrite the input model (ask for it explicitly)`);
  }
  const dataName = `${basename(out)}.data`;
  const dataPath = resolve(dirname(out), dataName);
  const realData = await realOrSelf(dataPath);
  for (const f of source?.external.list ?? []) {
    if (f.path === realData) {
      throw new WorkbenchError('WOULD_OVERWRITE', `${outPath}: its data file "${dataName}" is the input's external data; choose another output name`);
    }
  }

  const pending: Pending[] = [];
  let dataEnd = 0;
  const moveOut = (t: TensorProto, length: number, payload: Pick<Pending, 'bytes' | 'from'>): TensorProto => {
    if (length >= ALIGN_MIN) dataEnd = Math.ceil(dataEnd / PAGE) * PAGE;
    const offset = dataEnd;
    dataEnd += length;
    const moved: TensorProto = { ...t, dataLocation: DATA_LOCATION_EXTERNAL };
    delete moved.rawData;
    moved.externalData = [
      { key: 'location', value: dataName },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ];
    pending.push({ tensor: moved, offset, length, ...payload });
    return moved;
  };
  const inlined: Promise<void>[] = [];
  const outModel = mapModelTensors(model, (t, role) => {
    const ext = externalDataOf(t);
    if (ext) {
      const from = source?.external.locate(t);
      if (!from) throw new WorkbenchError('MISSING_EXTERNAL_DATA', `tensor "${t.name}": its external data has no source to copy from`);
      if (!options.inline) return moveOut(t, from.length, { from });
      const copy: TensorProto = { ...t };
      delete copy.dataLocation;
      delete copy.externalData;
      inlined.push(source!.external.read(t).then((b) => void (copy.rawData = b)));
      return copy;
    }
    const threshold = options.externalData?.threshold;
    if (threshold !== undefined && role === 'initializer' && t.rawData && t.rawData.length >= threshold) {
      return moveOut(t, t.rawData.length, { bytes: t.rawData });
    }
    return t;
  });
  await Promise.all(inlined);

  const modelFile = await AtomicFile.create(out);
  const dataFile = pending.length ? await AtomicFile.create(dataPath) : undefined;
  try {
    if (dataFile) {
      // Runs of tensors copied from files go in one call, so their reads and writes overlap.
      for (let i = 0; i < pending.length; ) {
        const p = pending[i]!;
        if (p.bytes) {
          await dataFile.writeAt(p.bytes, p.offset);
          i++;
          continue;
        }
        const run: CopyRange[] = [];
        for (; i < pending.length && !pending[i]!.bytes; i++) {
          const q = pending[i]!;
          run.push({ path: q.from!.path, from: q.from!.offset, length: q.length, to: q.offset });
        }
        await dataFile.copyRanges(run);
      }
      await dataFile.truncate(dataEnd);
    }
    const bytes = await modelFile.writeSegments(encodeModel(outModel));
    if (dataFile) await dataFile.commit();
    await modelFile.commit();
    return {
      path: out,
      bytes,
      externalTensors: pending.length,
      ...(dataFile ? { dataPath, dataBytes: dataEnd } : {}),
    };
  } catch (e) {
    await dataFile?.abandon();
    await modelFile.abandon();
    throw e;
  }
}
