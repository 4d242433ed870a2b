import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { verifySettingsSchema } from '../../shared/protocol/schemas.js';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/** Models whose settings are kept; beyond it the one set longest ago is forgotten. */
export const MAX_REMEMBERED = 200;

/**
 * Verification settings remembered per model across starts, in one small JSON file: an object
 * from model key to settings, oldest first. A missing or damaged file starts over (entries that
 * do not parse are dropped one by one); writes are atomic and one at a time.
 */
export class VerifySettingsStore {
  private entries: Promise<Map<string, VerifyInputSettings>> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  // One read shared by every caller, so calls made together resume in the order they were made.
  private load(): Promise<Map<string, VerifyInputSettings>> {
    this.entries ??= this.read();
    return this.entries;
  }

  private async read(): Promise<Map<string, VerifyInputSettings>> {
    const data = await readJsonFile(this.file);
    const entries = new Map<string, VerifyInputSettings>();
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      for (const [key, value] of Object.entries(data)) {
        const parsed = verifySettingsSchema.safeParse(value);
        if (parsed.success) entries.set(key, parsed.data);
      }
    }
    return entries;
  }

  async get(key: string): Promise<VerifyInputSettings | undefined> {
    return (await this.load()).get(key);
  }

  /** Remembers `settings` for `key` (as the newest entry) and writes the file. */
  async set(key: string, settings: VerifyInputSettings): Promise<void> {
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
