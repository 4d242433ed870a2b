import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { OpenedModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';

// Jobs that run a document's states in the runtime host (profile, compare, quantize, sensitivity)
// run them from files: the file as opened is used as it is; any other state is written to a
// temporary folder first (external tensors copied from the source's files), removed whatever happens.

/** Runs `use` with a fresh temporary folder, removed afterwards. */
export async function withTemp<T>(tempDir: string | undefined, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tempDir ?? tmpdir(), 'owb-profile-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The file a state runs from (the source's own for snapshot null, or the snapshot written into `dir`) and its size with external data. */
export async function stateFile(source: OpenedModel, snapshot: ModelProto | null, dir: string, name: string): Promise<{ path: string; bytes: number }> {
  if (!snapshot) return { path: source.path, bytes: source.fileSize };
  const r = await saveModel(snapshot, join(dir, name), { source });
  return { path: r.path, bytes: r.bytes + (r.dataBytes ?? 0) };
}
