import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { RecipeFileInfo, RecipeFolder, RecipeText } from '../../shared/protocol/recipe-api.js';
import { AtomicFile } from '../io/atomic-file.js';
import { readJsonFile, writeJsonFile } from '../io/json-file.js';

/**
 * The folder the user keeps recipes in, remembered across starts (one small JSON file in the
 * settings folder), and the `.json` files in it. Names are plain file names (the API refuses
 * paths), so reads and writes stay inside the folder; writes are atomic.
 */
export class RecipeStore {
  private folder: Promise<string | null> | undefined;

  constructor(private readonly settingsFile: string) {}

  private current(): Promise<string | null> {
    this.folder ??= readJsonFile(this.settingsFile).then((d) => {
      const f = (d as { folder?: unknown } | undefined)?.folder;
      return typeof f === 'string' ? f : null;
    });
    return this.folder;
  }

  private async chosen(): Promise<string> {
    const folder = await this.current();
    if (!folder) throw new WorkbenchError('NO_RECIPE_FOLDER', 'no recipe folder chosen yet; choose one first');
    return folder;
  }

  async list(): Promise<RecipeFolder> {
    const folder = await this.current();
    if (!folder) return { folder: null, recipes: [] };
    let names: string[];
    try {
      names = (await readdir(folder)).filter((n) => n.toLowerCase().endsWith('.json')).sort();
    } catch (e) {
      throw new WorkbenchError('BAD_RECIPE_FOLDER', `${folder}: cannot list it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const recipes: RecipeFileInfo[] = [];
    for (const name of names) {
      const path = join(folder, name);
      const s = await stat(path).catch(() => undefined);
      if (s?.isFile()) recipes.push({ name, path, bytes: s.size });
    }
    return { folder, recipes };
  }

  /** Remembers an existing folder and lists it. */
  async setFolder(folder: string): Promise<RecipeFolder> {
    const full = resolve(folder);
    const s = await stat(full).catch(() => undefined);
    if (!s?.isDirectory()) throw new WorkbenchError('BAD_RECIPE_FOLDER', `${folder}: not a folder`);
    await mkdir(dirname(this.settingsFile), { recursive: true });
    await writeJsonFile(this.settingsFile, { folder: full });
    this.folder = Promise.resolve(full);
    return this.list();
  }

  /** The folder relative paths in a recipe are read against (null: none chosen). */
  folderPath(): Promise<string | null> {
    return this.current();
  }

  async read(name: string): Promise<RecipeText> {
    const path = join(await this.chosen(), name);
    try {
      return { name, text: await readFile(path, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new WorkbenchError('BAD_RECIPE', `${path}: ${code === 'ENOENT' ? 'no such recipe' : `cannot read it (${code ?? String(e)})`}`);
    }
  }

  async save(name: string, text: string, overwrite: boolean): Promise<RecipeFolder> {
    const path = join(await this.chosen(), name);
    if (!overwrite && (await stat(path).catch(() => undefined))) throw new WorkbenchError('FILE_EXISTS', `${path}: the recipe exists (ask to overwrite it explicitly)`);
    const file = await AtomicFile.create(path);
    try {
      await file.writeSegments([new TextEncoder().encode(text.endsWith('\n') ? text : `${text}\n`)]);
      await file.commit();
    } catch (e) {
      await file.abandon();
      throw e;
    }
    return this.list();
  }
}
