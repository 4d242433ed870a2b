import { open, readFile } from 'node:fs/promises';
import { constants } from 'node:buffer';
import { WorkbenchError } from '../../shared/errors.js';
import { fsError } from './fs-errors.js';

/**
 * Pieces as large as one read takes: fs.readFile reads in 512 KiB pieces, one thread-pool round
 * trip each (2,000 for a 1 GB model), which costs more than the copy out of the page cache.
 */
const PIECE = 1 << 30;

/**
 * Reads a whole file of `size` bytes (as stat gave it) into one buffer, in a few large reads.
 * Files over 2 GiB (which fs.readFile refuses) work too, up to the largest buffer this Node can
 * allocate. A file that stat calls empty (a pipe, a /proc file) is read to its end instead.
 */
export async function readWholeFile(path: string, size: number): Promise<Buffer> {
  try {
    if (size === 0) return await readFile(path);
    if (size > constants.MAX_LENGTH) {
      throw new WorkbenchError(
        'FILE_TOO_LARGE',
        `${path}: ${size} bytes is more than one buffer can hold here (${constants.MAX_LENGTH}); save the weights as external data`,
      );
    }
    const buf = Buffer.allocUnsafe(size);
    const fh = await open(path, 'r');
    try {
      let pos = 0;
      while (pos < size) {
        const { bytesRead } = await fh.read(buf, pos, Math.min(PIECE, size - pos), pos);
        if (bytesRead === 0) throw new WorkbenchError('FILE_CHANGED', `${path}: the file shrank while being read`);
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
    return buf;
  } catch (e) {
    return fsError(e, path, 'reading the model');
  }
}
