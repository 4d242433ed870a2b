import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/** Models whose settings are kept; beyond it the one set longest ago is forgotten. */
export const MAX_REMEMBERED = 200;

/**
 * Settings remembered per model across starts, in one small JSON file: an object from model key
 * to settings, oldest first. A missing or damaged file starts over (entries that do not parse are
 * dropped one by one; `fill` gives fields added since a file was written their defaults); writes
 * are atomic and one at a time.
 */
export class KeyedSettingsStore<T> {
  private entries: Promise<Map<string, T>> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly schema: z.ZodType<T>,
    private readonly fill: (stored: object) => unknown = (stored) => stored,
  ) {}

  // One read shared by every caller, so calls made together resume in the order they were made.
  private load(): Promise<Map<string, T>> {
    this.entries ??= this.read();
    return this.entries;
  }

  private async read(): Promise<Map<string, T>> {
    const data = await readJsonFile(this.file);
    const entries = new Map<string, T>();
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      for (const [key, value] of Object.entries(data)) {
        const parsed = this.schema.safeParse(value && typeof value === 'object' ? this.fill(value) : value);
        if (parsed.success) entries.set(key, parsed.data);
      }
    }
    return entries;
  }

  async get(key: string): Promise<T | undefined> {
    return (await this.load()).get(key);
  }

  /** Remembers `settings` for `key` (as the newest entry) and writes the file. */
  async set(key: string, settings: T): Promise<void> {
    const entries = await this.load();
    entries.delete(key);
    entries.set(key, settings);
    for (const old of entries.keys()) {
      if (entries.size <= MAX_REMEMBERED) break;
      entries.delete(old);
    }
    const snapshot = Object.fromEntries(entries);
    const write = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeJsonFile(this.file, snapshot);
    });
    this.writing = write.catch(() => {});
    await write;
  }
}
