import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { RecoveryInfo } from '../../shared/protocol/recovery-api.js';
import type { ExternalData } from '../io/external-data-files.js';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';
import { saveModel } from '../io/save-model.js';

/** A recovery entry on disk: the manifest beside its model copy. */
export interface RecoveryManifest extends RecoveryInfo {
  /** The model copy's file name inside the recovery folder. */
  file: string;
}

const ID = /^[\w-]{1,80}$/;

/**
 * Recovery copies of documents with unsaved steps, so that a crashed or killed host can offer
 * them on the next start: per entry a model file (written atomically, with a fresh name each
 * time so a document restored from the previous copy keeps reading it) and a small JSON
 * manifest written after it, so a manifest always names a complete model.
 */
export class RecoveryStore {
  constructor(readonly dir: string) {}

  /** Writes the model copy, then the manifest; removes the entry's older copies except `keep` (a restored document's source). */
  async write(info: Omit<RecoveryInfo, 'time'>, model: ModelProto, source: { path: string; external: ExternalData }, keep?: string): Promise<RecoveryManifest> {
    if (!ID.test(info.id)) throw new Error(`bad recovery id ${info.id}`);
    await mkdir(this.dir, { recursive: true });
    const file = `${info.id}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.onnx`;
    // Big initializers go to a data file: the copy is then written without one huge buffer.
    await saveModel(model, join(this.dir, file), { source, externalData: { threshold: 1 << 20 } });
    const manifest: RecoveryManifest = { ...info, time: new Date().toISOString(), file };
    await writeJsonFile(this.manifestPath(info.id), manifest);
    await this.removeFiles(info.id, [file, ...(keep ? [keep] : [])]);
    return manifest;
  }

  /** The entries on disk, newest first (unreadable manifests are skipped). */
  async list(): Promise<RecoveryManifest[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: RecoveryManifest[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const m = (await readJsonFile(join(this.dir, n))) as RecoveryManifest | undefined;
      if (m && typeof m.id === 'string' && ID.test(m.id) && typeof m.file === 'string' && m.file.startsWith(`${m.id}.`) && !m.file.includes('/')) out.push(m);
    }
    return out.sort((a, b) => b.time.localeCompare(a.time));
  }

  async get(id: string): Promise<RecoveryManifest | undefined> {
    return (await this.list()).find((m) => m.id === id);
  }

  /** Full path of an entry's model copy. */
  pathOf(m: RecoveryManifest): string {
    return join(this.dir, m.file);
  }

  /** Removes an entry's manifest and its copies (except `keep`: a file an open document still reads). */
  async remove(id: string, keep?: string): Promise<void> {
    if (!ID.test(id)) return;
    await unlink(this.manifestPath(id)).catch(() => undefined);
    await this.removeFiles(id, keep ? [keep] : []);
  }

  private manifestPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private async removeFiles(id: string, keep: string[]): Promise<void> {
    const kept = new Set(keep.flatMap((k) => [k, `${k}.data`]));
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(`${id}.`) && !n.endsWith('.json') && !kept.has(n)).map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
  }
}
