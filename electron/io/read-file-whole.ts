import { open, readFile } from 'node:fs/promises';
import { constants } from 'node:buffer';
import { WorkbenchError } from '../../shared/errors.js';
import { fsError } from './fs-errors.js';

/** readFile's own limit; beyond it, read in pieces into one buffer. */
const READFILE_MAX = 2 ** 31 - 1;
const PIECE = 1 << 30;

/**
 * Reads a whole file into one buffer. Files over 2 GiB (which fs.readFile refuses) are read in
 * pieces, up to the largest buffer this Node can allocate.
 */
export async function readWholeFile(path: string, size: number): Promise<Buffer> {
  try {
    if (size <= READFILE_MAX) return await readFile(path);
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
