import { WorkbenchError } from '../../shared/errors.js';

/** Turns a Node file-system error into a one-line WorkbenchError naming the path; rethrows others. */
export function fsError(e: unknown, path: string, doing: string): never {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'is a directory, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is not a folder',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
    EMFILE: 'too many open files',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  if (code && why[code]) throw new WorkbenchError(`FILE_${code}`, `${path}: ${why[code]} (while ${doing})`);
  if (e instanceof WorkbenchError) throw e;
  throw e;
}
