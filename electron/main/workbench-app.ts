import { basename, join } from 'node:path';
import { app, BrowserWindow, dialog, Menu, screen, type WebContents } from 'electron';
import { EVENT_CHANNEL, MENU_CHANNEL, type MenuCommand } from '../../shared/protocol/bridge.js';
import type { SaveTarget } from '../../shared/protocol/recovery-api.js';
import { WorkbenchService } from '../service/workbench-service.js';
import { menuTemplate } from './app-menu.js';
import { APP_INDEX_URL } from './app-url.js';
import { registerIpc } from './ipc-bridge.js';
import { RecentFiles } from './recent-files.js';
import { WindowModels } from './window-models.js';
import { placeWindow, WindowStateStore } from './window-state.js';

/** Where the packaged (or checked-out) app keeps its parts. */
export interface AppPaths {
  rendererDir: string;
  preload: string;
  sample: string;
}

/**
 * The desktop shell: one window per model, the menu, recent files and remembered window state,
 * over one WorkbenchService shared by all windows.
 */
export class WorkbenchApp {
  private readonly service = new WorkbenchService({ settingsDir: app.getPath('userData') });
  private readonly windows = new Map<number, { window: BrowserWindow; models: WindowModels }>();
  /** Paths the user chose; only these may be opened by path from a window. */
  private readonly chosen = new Set<string>();
  /** Paths the user chose in a Save dialog; only these may be saved to from a window. */
  private readonly savePaths = new Set<string>();
  /** Windows whose user chose to leave unsaved steps behind (their recovery copies go with them). */
  private readonly discarding = new Set<number>();

  private constructor(
    private readonly paths: AppPaths,
    private readonly recent: RecentFiles,
    private readonly windowState: WindowStateStore,
  ) {}

  static async create(paths: AppPaths): Promise<WorkbenchApp> {
    const userData = app.getPath('userData');
    const shell = new WorkbenchApp(paths, await RecentFiles.load(userData), await WindowStateStore.load(userData));
    shell.chosen.add(paths.sample);
    for (const p of shell.recent.paths) shell.chosen.add(p);
    registerIpc({
      service: shell.service,
      windowOf: (contents) => shell.windows.get(contents.id)?.models,
      mayOpen: (path) => shell.chosen.has(path),
      maySave: (path) => shell.savePaths.has(path),
      chooseSavePath: (contents, suggestion) => shell.showSaveDialog(contents, suggestion),
      chooseFolder: (contents, title) => shell.showFolderDialog(contents, title),
      opened: (path) => void shell.remember(path),
    });
    shell.service.onProgress((data) => {
      for (const { window } of shell.windows.values()) if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, { event: 'progress', data });
    });
    shell.buildMenu();
    return shell;
  }

  get windowCount(): number {
    return this.windows.size;
  }

  /** Opens a model the user chose (command line, OS, dialog, drop, recent) in a new window. */
  open(path: string): void {
    this.chosen.add(path);
    void this.remember(path);
    this.createWindow(path);
  }

  /** A window without a model (macOS: the dock icon clicked with no window open). */
  openEmpty(): void {
    this.createWindow(null);
  }

  /** Brings the most recent window forward (a second instance started without files). */
  focus(): void {
    const last = [...this.windows.values()].pop()?.window;
    if (!last) return this.openEmpty();
    if (last.isMinimized()) last.restore();
    last.focus();
  }

  async showOpenDialog(): Promise<void> {
    const parent = BrowserWindow.getFocusedWindow();
    const options: Electron.OpenDialogOptions = {
      title: 'Open ONNX model',
      properties: ['openFile', 'multiSelections'],
      filters: [
        { name: 'ONNX models', extensions: ['onnx'] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    if (!result.canceled) for (const p of result.filePaths) this.open(p);
  }

  /** The native Save dialog, starting at the service's suggestion; it asks about replacing a file itself. */
  async showSaveDialog(contents: WebContents, suggestion: SaveTarget): Promise<SaveTarget> {
    const parent = BrowserWindow.fromWebContents(contents);
    const options: Electron.SaveDialogOptions = {
      title: 'Save ONNX model as',
      ...(suggestion.path ? { defaultPath: suggestion.path } : {}),
      filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
      properties: ['showOverwriteConfirmation', 'createDirectory'],
    };
    const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    if (result.canceled || !result.filePath) return { ...suggestion, native: true, path: null };
    this.savePaths.add(result.filePath);
    return { ...suggestion, native: true, path: result.filePath };
  }

  /** The native folder dialog; the folder chosen becomes one a window may use (see mayOpen). */
  async showFolderDialog(contents: WebContents, title: string): Promise<string | null> {
    const parent = BrowserWindow.fromWebContents(contents);
    const options: Electron.OpenDialogOptions = { title, properties: ['openDirectory', 'createDirectory'] };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    const folder = result.canceled ? undefined : result.filePaths[0];
    if (!folder) return null;
    this.chosen.add(folder);
    return folder;
  }

  /** Sends a menu command to the focused window's page. */
  private command(command: MenuCommand): void {
    const window = BrowserWindow.getFocusedWindow();
    if (window && this.windows.has(window.webContents.id)) window.webContents.send(MENU_CHANNEL, command);
  }

  /**
   * The page's beforeunload guard (it has unsaved steps) stopped a close or reload: ask, now
   * (preventDefault lets the unload go ahead only while the event is being handled). Leaving
   * a window drops its unsaved steps and their recovery copy; a reload keeps the documents open.
   */
  private confirmLeave(window: BrowserWindow, event: Electron.Event): void {
    const response = dialog.showMessageBoxSync(window, {
      type: 'warning',
      buttons: ['Leave Without Saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'The model has unsaved changes.',
      detail: 'Leaving drops the steps not saved. Use File › Save As… to keep them.',
    });
    if (response !== 0) return;
    this.discarding.add(window.webContents.id);
    event.preventDefault();
  }

  async dispose(): Promise<void> {
    await this.service.dispose();
  }

  private async remember(path: string): Promise<void> {
    if (path === this.paths.sample) return;
    app.addRecentDocument(path);
    try {
      await this.recent.add(path);
    } catch {
      // An unwritable settings folder costs the recent list, nothing else.
    }
    this.buildMenu();
  }

  private buildMenu(): void {
    const template = menuTemplate(
      { recent: this.recent.paths, isMac: process.platform === 'darwin', dev: !app.isPackaged, appName: app.name },
      {
        open: () => void this.showOpenDialog(),
        openRecent: (path) => this.open(path),
        command: (c) => this.command(c),
        clearRecent: () => {
          app.clearRecentDocuments();
          void this.recent.clear().finally(() => this.buildMenu());
        },
      },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  private createWindow(modelPath: string | null): BrowserWindow {
    const displays = screen.getAllDisplays().map((d) => d.workArea);
    const state = placeWindow(this.windowState.current, displays, this.windows.size);
    const window = new BrowserWindow({
      width: state.width,
      height: state.height,
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      minWidth: 480,
      minHeight: 360,
      show: false,
      title: modelPath ? `${basename(modelPath)} — ONNX Workbench` : 'ONNX Workbench',
      backgroundColor: '#ffffff',
      webPreferences: {
        preload: this.paths.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        devTools: !app.isPackaged,
      },
    });
    const id = window.webContents.id;
    const models = new WindowModels(modelPath);
    this.windows.set(id, { window, models });
    if (modelPath && process.platform === 'darwin') window.setRepresentedFilename(modelPath);
    if (state.maximized) window.maximize();
    window.once('ready-to-show', () => window.show());
    window.on('close', () => {
      const bounds = window.getNormalBounds();
      void this.windowState.save({ ...bounds, maximized: window.isMaximized() }).catch(() => undefined);
    });
    window.webContents.on('will-prevent-unload', (event) => this.confirmLeave(window, event));
    // A reload the user let go ahead keeps the window: a later close asks (or keeps the copies) anew.
    window.webContents.on('did-finish-load', () => this.discarding.delete(id));
    window.on('closed', () => {
      this.windows.delete(id);
      const discard = this.discarding.delete(id);
      for (const doc of models.documents) void this.service.closeModel(doc, discard);
    });
    void window.loadURL(APP_INDEX_URL);
    return window;
  }

  /** Whether `contents` belongs to one of this app's windows. */
  owns(contents: WebContents): boolean {
    return this.windows.has(contents.id);
  }
}

/** The app's parts, relative to its root (the checkout, or the asar archive when packaged). */
export function appPaths(root = app.getAppPath()): AppPaths {
  return {
    rendererDir: join(root, 'dist', 'renderer'),
    preload: join(root, 'dist', 'electron', 'main', 'preload.cjs'),
    // Unpacked from the asar (electron-builder.yml), so it is a plain file like any the user opens.
    sample: join(root.replace(/app\.asar$/, 'app.asar.unpacked'), 'assets', 'sample.onnx'),
  };
}
