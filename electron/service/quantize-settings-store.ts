import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { quantizeSettingsSchema } from '../../shared/protocol/quantize-api.js';
import { DEFAULT_QUANTIZE_SETTINGS, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/**
 * The quantize settings used last, remembered for the user across models and starts (one small
 * JSON file; a missing or damaged one gives the defaults). The node names left in float are the
 * model's own and are not remembered. Writes are atomic and one at a time.
 */
export class QuantizeSettingsStore {
  private current: Promise<QuantizeSettings> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  get(): Promise<QuantizeSettings> {
    this.current ??= readJsonFile(this.file).then((data) => {
      // Fields added since the file was written take their defaults.
      const parsed = quantizeSettingsSchema.safeParse(data && typeof data === 'object' ? { ...DEFAULT_QUANTIZE_SETTINGS, ...data } : undefined);
      return parsed.success ? parsed.data : DEFAULT_QUANTIZE_SETTINGS;
    });
    return this.current;
  }

  async set(settings: QuantizeSettings): Promise<void> {
    const kept = { ...settings, exclude: [] };
    this.current = Promise.resolve(kept);
    const write = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeJsonFile(this.file, kept);
    });
    this.writing = write.catch(() => {});
    await write;
  }
}
