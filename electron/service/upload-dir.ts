import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A file name safe to create: the last path segment, without control or reserved characters. */
export function safeFileName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = last.replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '_').replace(/^\.+/, '').slice(0, 200);
  return cleaned === '' ? 'model.onnx' : cleaned;
}

/**
 * Where models that arrive as bytes (picked or dropped in the browser) are written before they
 * are opened like any file: one private temporary folder per service, one subfolder per upload
 * (so two uploads of the same name do not collide), removed when the document closes.
 */
export class UploadDir {
  private root: Promise<string> | undefined;
  private next = 0;

  constructor(private readonly parent = tmpdir()) {}

  private dir(): Promise<string> {
    // mkdtemp makes the folder readable by this user only (mode 0700).
    return (this.root ??= mkdtemp(join(this.parent, 'onnx-workbench-')));
  }

  /** A fresh path for an upload called `name`; its folder exists. */
  async pathFor(name: string): Promise<string> {
    const folder = join(await this.dir(), String(++this.next));
    await mkdir(folder, { mode: 0o700 });
    return join(folder, safeFileName(name));
  }

  /** Writes bytes as an upload; returns the file's path. */
  async write(name: string, bytes: Uint8Array): Promise<string> {
    const path = await this.pathFor(name);
    await writeFile(path, bytes, { mode: 0o600 });
    return path;
  }

  /** Removes one upload (its folder). */
  async remove(path: string): Promise<void> {
    await rm(dirname(path), { recursive: true, force: true });
  }

  /** Removes every upload. */
  async dispose(): Promise<void> {
    const root = this.root;
    this.root = undefined;
    if (root) await rm(await root, { recursive: true, force: true });
  }
}
