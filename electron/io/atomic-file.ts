import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './fs-errors.js';

const COPY_PIECE = 16 << 20;
/** writev takes at most IOV_MAX (1024 on Linux) buffers per call. */
const WRITEV_BATCH = 512;

/**
 * A file written under a temporary name beside its target and renamed over it on commit, so
 * readers see the old file or the complete new one, never a partial write.
 */
export class AtomicFile {
  private constructor(
    readonly target: string,
    private readonly temp: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(target: string): Promise<AtomicFile> {
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
    try {
      return new AtomicFile(target, temp, await open(temp, 'wx'));
    } catch (e) {
      return fsError(e, target, 'creating the output');
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      return fsError(e, this.target, 'writing');
    }
  }

  /** Writes segments one after another from the start; returns the byte count. */
  writeSegments(segments: Uint8Array[]): Promise<number> {
    return this.guard(async () => {
      let pos = 0;
      for (let i = 0; i < segments.length; i += WRITEV_BATCH) {
        const batch = segments.slice(i, i + WRITEV_BATCH);
        let want = 0;
        for (const s of batch) want += s.length;
        const { bytesWritten } = await this.fh.writev(batch, pos);
        if (bytesWritten !== want) await this.finishShortWrite(batch, pos, bytesWritten);
        pos += want;
      }
      return pos;
    });
  }

  private async finishShortWrite(batch: Uint8Array[], pos: number, written: number): Promise<void> {
    let skip = written;
    let at = pos + written;
    for (const s of batch) {
      if (skip >= s.length) {
        skip -= s.length;
        continue;
      }
      await this.writeAt(s.subarray(skip), at);
      at += s.length - skip;
      skip = 0;
    }
  }

  writeAt(bytes: Uint8Array, offset: number): Promise<void> {
    return this.guard(async () => {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, offset + done);
        done += bytesWritten;
      }
    });
  }

  /** Copies a byte range of another file into this one, a piece at a time. */
  copyFrom(path: string, from: number, length: number, to: number): Promise<void> {
    return this.guard(async () => {
      const src = await open(path, 'r');
      try {
        const buf = Buffer.allocUnsafe(Math.min(COPY_PIECE, Math.max(length, 1)));
        let done = 0;
        while (done < length) {
          const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, length - done), from + done);
          if (bytesRead === 0) throw new Error(`${path} ended early`);
          await this.writeAt(buf.subarray(0, bytesRead), to + done);
          done += bytesRead;
        }
      } finally {
        await src.close();
      }
    });
  }

  truncate(size: number): Promise<void> {
    return this.guard(() => this.fh.truncate(size));
  }

  /** Syncs, closes and renames the file over its target. */
  commit(): Promise<void> {
    return this.guard(async () => {
      await this.fh.sync();
      await this.fh.close();
      await rename(this.temp, this.target);
    });
  }

  /** Closes and removes the temporary file (after a failure). */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}
