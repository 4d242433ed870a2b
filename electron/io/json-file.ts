import { readFile } from 'node:fs/promises';
import { AtomicFile } from './atomic-file.js';

/** A small JSON file's contents, or undefined when it is missing or unreadable (settings start over). */
export async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes a small JSON file atomically (a crash mid-write leaves the old file). */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const file = await AtomicFile.create(path);
  try {
    await file.writeSegments([new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`)]);
    await file.commit();
  } catch (e) {
    await file.abandon();
    throw e;
  }
}
