import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { menuTemplate } from '../../electron/main/app-menu.js';
import { menuAction } from '../../renderer/save/menu-action.js';
import { appUrlFile, isAppUrl } from '../../electron/main/app-url.js';
import { droppedFilePath, modelPathsFromArgv } from '../../electron/main/command-line.js';
import { MAX_RECENT, RecentFiles } from '../../electron/main/recent-files.js';
import { WindowModels } from '../../electron/main/window-models.js';
import { parseWindowState, placeWindow, WindowStateStore } from '../../electron/main/window-state.js';
import type { OpenedModelInfo } from '../../shared/protocol/backend.js';

// The Electron shell's decisions, tested without Electron (its binary is not installed here):
// these modules import nothing from 'electron' at run time.

describe('command line and dropped files', () => {
  it('finds model paths after the executable (and the app folder when run as `electron .`)', () => {
    expect(modelPathsFromArgv(['/opt/wb/onnx-workbench', 'a.onnx', '--no-sandbox', '/m/b.onnx'], '/home/u', false)).toEqual([
      '/home/u/a.onnx',
      '/m/b.onnx',
    ]);
    expect(modelPathsFromArgv(['/usr/bin/electron', '/src/wb', 'model.onnx'], '/work', true)).toEqual(['/work/model.onnx']);
    expect(modelPathsFromArgv(['/usr/bin/electron', '/src/wb'], '/work', true)).toEqual([]);
    expect(modelPathsFromArgv(['app', '--', '-odd-name.onnx'], '/w', false)).toEqual(['/w/-odd-name.onnx']);
  });

  it('reads the path of a file dropped on the window from its file:// URL', () => {
    expect(droppedFilePath('file:///home/u/my%20model.onnx')).toBe('/home/u/my model.onnx');
    expect(droppedFilePath('file:///C:/models/m.onnx')).toBe('C:/models/m.onnx');
    expect(droppedFilePath('https://example.com/m.onnx')).toBeUndefined();
    expect(droppedFilePath('not a url')).toBeUndefined();
  });
});

describe('app:// URLs', () => {
  it('answers IPC only for the app’s own origin', () => {
    expect(isAppUrl('app://workbench/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('https://workbench/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('app://user:pw@workbench/')).toBe(false);
  });

  it('maps URLs to files inside the renderer folder only', () => {
    expect(appUrlFile('app://workbench/')).toBe('index.html');
    expect(appUrlFile('app://workbench/assets/index-1.js?x=1')).toBe('assets/index-1.js');
    // The URL parser resolves dot segments at the root (staying inside); encoded ones are refused.
    for (const url of ['app://workbench/%2e%2e/secret', 'app://workbench/../../secret', 'app://workbench/a/..%2f..%2fsecret', 'app://workbench/a%5c..%5csecret']) {
      const file = appUrlFile(url);
      expect(file === undefined || !file.split('/').includes('..'), url).toBe(true);
    }
    expect(appUrlFile('app://workbench/a/..%2f..%2fsecret')).toBeUndefined();
    expect(appUrlFile('app://workbench/a%5c..%5csecret')).toBeUndefined();
    expect(appUrlFile('app://elsewhere/index.html')).toBeUndefined();
  });
});

describe('settings in the user-data folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-data-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps recent files newest first, once each, at most ten', async () => {
    const recent = await RecentFiles.load(dir);
    for (let i = 0; i < 12; i++) await recent.add(`/m/${i}.onnx`);
    await recent.add('/m/5.onnx');
    expect(recent.paths[0]).toBe('/m/5.onnx');
    expect(recent.paths).toHaveLength(MAX_RECENT);
    expect(new Set(recent.paths).size).toBe(MAX_RECENT);
    expect((await RecentFiles.load(dir)).paths).toEqual(recent.paths);
    await recent.clear();
    expect((await RecentFiles.load(dir)).paths).toEqual([]);
  });

  it('starts over from a damaged settings file', async () => {
    await writeFile(join(dir, 'recent-files.json'), '{not json');
    await writeFile(join(dir, 'window-state.json'), '[1,2]');
    expect((await RecentFiles.load(dir)).paths).toEqual([]);
    expect((await WindowStateStore.load(dir)).current).toEqual({ width: 1280, height: 820, maximized: false });
  });

  it('remembers the window state, checked field by field', async () => {
    const store = await WindowStateStore.load(dir);
    await store.save({ width: 1000.4, height: 700, x: 10, y: 20, maximized: true });
    expect(JSON.parse(await readFile(join(dir, 'window-state.json'), 'utf8'))).toEqual({ width: 1000, height: 700, x: 10, y: 20, maximized: true });
    expect(parseWindowState({ width: 5, height: 'x', x: 1 })).toEqual({ width: 480, height: 820, maximized: false });
  });

  it('puts windows where they can be grabbed, cascading new ones', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    const state = { width: 800, height: 600, x: 100, y: 100, maximized: false };
    expect(placeWindow(state, displays, 2)).toMatchObject({ x: 148, y: 148 });
    expect(placeWindow({ ...state, x: 3000 }, displays)).toEqual({ width: 800, height: 600, maximized: false });
    expect(placeWindow({ width: 800, height: 600, maximized: false }, displays)).toEqual({ width: 800, height: 600, maximized: false });
  });
});

describe('menu and windows', () => {
  const noop = { open: () => undefined, openRecent: () => undefined, clearRecent: () => undefined, command: () => undefined };
  const labels = (t: ReturnType<typeof menuTemplate>) => t.map((m) => m.label ?? m.role);

  it('has Open…, Open Recent and Reload; DevTools only in development', () => {
    const dev = menuTemplate({ recent: ['/m/a.onnx'], isMac: false, dev: true, appName: 'ONNX Workbench' }, noop);
    expect(labels(dev)).toEqual(['File', 'Edit', 'View', 'windowMenu']);
    const file = dev[0]!.submenu as { label?: string; submenu?: { label?: string }[] }[];
    expect(file[0]!.label).toBe('Open…');
    expect(file[1]!.submenu!.map((i) => i.label)).toEqual(['a.onnx — /m/a.onnx', undefined, 'Clear Recent']);
    expect(file.map((i) => i.label)).toContain('Save As…');
    const roles = (t: ReturnType<typeof menuTemplate>) => (t.find((m) => m.label === 'View')!.submenu as { role?: string }[]).map((i) => i.role);
    expect(roles(dev)).toContain('toggleDevTools');
    expect(roles(dev)).toContain('reload');
    const packaged = menuTemplate({ recent: [], isMac: true, dev: false, appName: 'ONNX Workbench' }, noop);
    expect(roles(packaged)).not.toContain('toggleDevTools');
    expect(labels(packaged)[0]).toBe('ONNX Workbench');
  });

  it('sends Undo, Redo and Save As to the page, and keeps the text roles in Edit', () => {
    const sent: string[] = [];
    const t = menuTemplate({ recent: [], isMac: false, dev: false, appName: 'ONNX Workbench' }, { ...noop, command: (c) => void sent.push(c) });
    type Item = { label?: string; role?: string; accelerator?: string; click?: () => void };
    const edit = t.find((m) => m.label === 'Edit')!.submenu as Item[];
    const file = t.find((m) => m.label === 'File')!.submenu as Item[];
    const undo = edit.find((i) => i.label === 'Undo')!;
    const redo = edit.find((i) => i.label === 'Redo')!;
    const saveAs = file.find((i) => i.label === 'Save As…')!;
    expect([undo.accelerator, redo.accelerator, saveAs.accelerator]).toEqual(['CmdOrCtrl+Z', 'CmdOrCtrl+Shift+Z', 'CmdOrCtrl+Shift+S']);
    // Not the undo/redo roles: those would act on the focused text only, never on the model.
    expect(edit.map((i) => i.role).filter(Boolean)).toEqual(['cut', 'copy', 'paste', 'delete', 'selectAll']);
    undo.click!();
    redo.click!();
    saveAs.click!();
    expect(sent).toEqual(['undo', 'redo', 'saveAs']);
    const mac = menuTemplate({ recent: [], isMac: true, dev: false, appName: 'ONNX Workbench' }, noop);
    expect((mac.find((m) => m.label === 'Edit')!.submenu as Item[]).map((i) => i.role)).toContain('pasteAndMatchStyle');
  });

  it('a menu command keeps a text field’s own undo, and becomes the page’s shortcut elsewhere', () => {
    expect(menuAction('undo', { tagName: 'INPUT', type: 'text' })).toEqual({ kind: 'text', command: 'undo' });
    expect(menuAction('redo', { tagName: 'textarea' })).toEqual({ kind: 'text', command: 'redo' });
    expect(menuAction('undo', { tagName: 'DIV', isContentEditable: true })).toEqual({ kind: 'text', command: 'undo' });
    expect(menuAction('undo', { tagName: 'INPUT', type: 'checkbox' })).toMatchObject({ kind: 'key', init: { key: 'z', ctrlKey: true } });
    expect(menuAction('undo', { tagName: 'INPUT', type: 'text', readOnly: true }).kind).toBe('key');
    expect(menuAction('redo', { tagName: 'DIV' })).toMatchObject({ kind: 'key', init: { key: 'Z', ctrlKey: true, shiftKey: true } });
    expect(menuAction('redo', null).kind).toBe('key');
    // Save As is never the field's: Ctrl+Shift+S from inside a field too.
    expect(menuAction('saveAs', { tagName: 'INPUT', type: 'text' })).toMatchObject({ kind: 'key', init: { key: 'S', shiftKey: true } });
  });

  it('opens a window’s model once, and tracks every document the window opened', async () => {
    let opens = 0;
    const info = (id: string) => ({ modelId: id }) as OpenedModelInfo;
    const models = new WindowModels('/m/a.onnx');
    const open = async () => info(`doc${++opens}`);
    expect((await models.initialModel(open))!.modelId).toBe('doc1');
    expect((await models.initialModel(open))!.modelId).toBe('doc1');
    models.track(info('doc9'));
    expect([...models.documents]).toEqual(['doc1', 'doc9']);
    expect(await new WindowModels(null).initialModel(open)).toBeNull();
  });
});
