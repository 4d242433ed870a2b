import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './fs-errors.js';

const COPY_PIECE = 16 << 20;
/** writev takes at most IOV_MAX (1024 on Linux) buffers per call. */
const WRITEV_BATCH = 512;
/**
 * Segments this large (tensors) are written alone, with pwrite; smaller ones are gathered into
 * writev calls. Linux (6.x, ext4) spends two to three times the CPU copying the same bytes when
 * they come through a multi-buffer writev rather than plain writes, and varies far more.
 */
const ALONE_MIN = 1 << 20;

/** A byte range of a file to copy into an AtomicFile at offset `to`. */
export interface CopyRange {
  path: string;
  from: number;
  length: number;
  to: number;
}

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
      let batch: Uint8Array[] = [];
      let want = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const { bytesWritten } = await this.fh.writev(batch, pos);
        if (bytesWritten !== want) await this.finishShortWrite(batch, pos, bytesWritten);
        pos += want;
        batch = [];
        want = 0;
      };
      for (const s of segments) {
        if (s.length >= ALONE_MIN) {
          await flush();
          await this.writeAt(s, pos);
          pos += s.length;
          continue;
        }
        batch.push(s);
        want += s.length;
        if (batch.length >= WRITEV_BATCH) await flush();
      }
      await flush();
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

  /** Two copy buffers, made on the first copy and reused by every later one (no page faults per tensor). */
  private pieces?: [Buffer, Buffer];
  /** Source files of copies, opened once per save rather than once per tensor. */
  private readonly sources = new Map<string, FileHandle>();

  private async source(path: string): Promise<FileHandle> {
    let fh = this.sources.get(path);
    if (!fh) this.sources.set(path, (fh = await open(path, 'r')));
    return fh;
  }

  /** Copies a byte range of another file into this one (see copyRanges). */
  copyFrom(path: string, from: number, length: number, to: number): Promise<void> {
    return this.copyRanges([{ path, from, length, to }]);
  }

  /**
   * Copies byte ranges of other files into this one, in pieces of at most 16 MiB through two
   * reused buffers: the next piece (of this range or the next) is read while one is written.
   */
  copyRanges(ranges: readonly CopyRange[]): Promise<void> {
    return this.guard(async () => {
      const steps: { path: string; from: number; n: number; to: number }[] = [];
      for (const r of ranges) {
        for (let done = 0; done < r.length; done += COPY_PIECE) {
          steps.push({ path: r.path, from: r.from + done, n: Math.min(COPY_PIECE, r.length - done), to: r.to + done });
        }
      }
      if (steps.length === 0) return;
      const pieces = (this.pieces ??= [Buffer.allocUnsafe(COPY_PIECE), Buffer.allocUnsafe(COPY_PIECE)]);
      const read = async (i: number): Promise<Buffer> => {
        const { path, from, n } = steps[i]!;
        const buf = pieces[i & 1];
        const src = await this.source(path);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await src.read(buf, got, n - got, from + got);
          if (bytesRead === 0) throw new Error(`${path} ended early`);
          got += bytesRead;
        }
        return buf;
      };
      let reading = read(0);
      for (let i = 0; i < steps.length; i++) {
        const buf = await reading;
        if (i + 1 < steps.length) reading = read(i + 1);
        try {
          await this.writeAt(buf.subarray(0, steps[i]!.n), steps[i]!.to);
        } catch (e) {
          // Let the read in flight finish before the caller closes its file (and drop its outcome).
          if (i + 1 < steps.length) await reading.catch(() => undefined);
          throw e;
        }
      }
    });
  }

  private async closeSources(): Promise<void> {
    const handles = [...this.sources.values()];
    this.sources.clear();
    this.pieces = undefined;
    await Promise.all(handles.map((fh) => fh.close().catch(() => undefined)));
  }

  truncate(size: number): Promise<void> {
    return this.guard(() => this.fh.truncate(size));
  }

  /** Syncs, closes and renames the file over its target. */
  commit(): Promise<void> {
    return this.guard(async () => {
      await this.closeSources();
      await this.fh.sync();
      await this.fh.close();
      await rename(this.temp, this.target);
    });
  }

  /** Closes and removes the temporary file (after a failure). */
  async abandon(): Promise<void> {
    await this.closeSources();
    await this.fh.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}
