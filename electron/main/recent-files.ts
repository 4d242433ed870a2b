import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/** How many recent files the menu lists. */
export const MAX_RECENT = 10;

/**
 * The models opened recently, newest first, kept in `recent-files.json` in the app's user-data
 * folder. Not a secret, but a privacy matter: only paths the user opened, cleared on request.
 */
export class RecentFiles {
  private list: string[] = [];

  private constructor(private readonly file: string) {}

  static async load(userData: string): Promise<RecentFiles> {
    const recent = new RecentFiles(join(userData, 'recent-files.json'));
    const data = await readJsonFile(recent.file);
    if (Array.isArray(data)) recent.list = data.filter((p): p is string => typeof p === 'string' && p !== '').slice(0, MAX_RECENT);
    return recent;
  }

  get paths(): readonly string[] {
    return this.list;
  }

  has(path: string): boolean {
    return this.list.includes(path);
  }

  /** Puts `path` first (once); saves. */
  async add(path: string): Promise<void> {
    this.list = [path, ...this.list.filter((p) => p !== path)].slice(0, MAX_RECENT);
    await writeJsonFile(this.file, this.list);
  }

  async clear(): Promise<void> {
    this.list = [];
    await writeJsonFile(this.file, this.list);
  }
}
