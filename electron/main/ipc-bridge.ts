import { ipcMain, type WebContents } from 'electron';
import { WorkbenchError } from '../../shared/errors.js';
import { methodChannel } from '../../shared/protocol/bridge.js';
import { handlersFor, methods, type MethodHandlers, type MethodName } from '../../shared/protocol/methods.js';
import { dispatch } from '../../shared/protocol/wire.js';
import type { SaveTarget } from '../../shared/protocol/recovery-api.js';
import type { WorkbenchService } from '../service/workbench-service.js';
import type { WindowModels } from './window-models.js';
import { isTrustedSender } from './window-security.js';

export interface IpcHost {
  service: WorkbenchService;
  /** The models of the window showing `contents`, or undefined when it is not one of ours. */
  windowOf(contents: WebContents): WindowModels | undefined;
  /** Whether the user chose this path (command line, dialog, drop, OS, recent files). */
  mayOpen(path: string): boolean;
  /** Whether the user chose this path to save to (a Save As dialog); absent: saving from a window is refused. */
  maySave?(path: string): boolean;
  /** Shows the native Save dialog for a window, starting at the service's suggestion; the chosen path becomes one maySave allows. */
  chooseSavePath?(contents: WebContents, suggestion: SaveTarget): Promise<SaveTarget>;
  /** Shows the native folder dialog for a window; the chosen folder becomes one mayOpen allows. Null: cancelled. */
  chooseFolder?(contents: WebContents, title: string): Promise<string | null>;
  /** Called after a window opened a file by path (for recent files). */
  opened(path: string): void;
}

// A window's view of the service: its own initial model, and paths only where the user chose
// them. A page that got compromised cannot read arbitrary files through openModel.
function handlersForWindow(host: IpcHost, models: WindowModels, contents: WebContents): MethodHandlers {
  const { service } = host;
  return handlersFor({
    initialModel: () => models.initialModel((path) => service.openPath(path), (id) => service.isOpen(id)),
    openModel: async (source) => {
      if ('bytes' in source) return models.track(await service.openBytes(source.name, source.bytes));
      if (!host.mayOpen(source.path)) {
        throw new WorkbenchError('NOT_ALLOWED', `${source.path}: the window may open only files chosen by the user; use File › Open…`);
      }
      const info = models.track(await service.openPath(source.path));
      host.opened(source.path);
      return info;
    },
    getGraph: (modelId, path) => service.getGraph(modelId, path),
    getTensor: (modelId, path, name) => service.getTensor(modelId, path, name),
    getVerifySettings: (modelId) => service.getVerifySettings(modelId),
    setVerifySettings: (modelId, settings) => service.setVerifySettings(modelId, settings),
    listOperations: (p) => service.listOperations(p),
    previewOperation: (p) => service.previewOperation(p),
    applyOperation: (p) => service.applyOperation(p),
    undo: (p) => service.undo(p),
    redo: (p) => service.redo(p),
    goToStep: (p) => service.goToStep(p),
    getHistory: (modelId) => service.getHistory(modelId),
    // A compromised page must not write anywhere: only where the user chose (a Save As dialog).
    saveModel: (p) => {
      if (!host.maySave?.(p.path)) throw new WorkbenchError('NOT_ALLOWED', `${p.path}: the window may save only where the user chose; use File › Save As…`);
      return service.saveModel(p);
    },
    getJob: (jobId) => service.getJob(jobId),
    cancelJob: (jobId) => service.cancelJob(jobId),
    getDocumentState: (modelId) => service.getDocumentState(modelId),
    chooseSavePath: async (modelId) => {
      const suggestion = await service.chooseSavePath(modelId);
      return host.chooseSavePath ? host.chooseSavePath(contents, suggestion) : suggestion;
    },
    listRecoveries: () => service.listRecoveries(),
    restoreRecovery: async (id) => models.track(await service.restoreRecovery(id)),
    discardRecovery: (id) => service.discardRecovery(id),
    startProfile: (p) => service.startProfile(p),
    getProfile: (jobId) => service.getProfile(jobId),
    startCompare: (p) => service.startCompare(p),
    getCompare: (jobId) => service.getCompare(jobId),
    getQuantizeSettings: () => service.getQuantizeSettings(),
    startQuantize: (p) => service.startQuantize(p),
    getQuantize: (jobId) => service.getQuantize(jobId),
    startSensitivity: (p) => service.startSensitivity(p),
    getSensitivity: (jobId) => service.getSensitivity(jobId),
    getRecipeSchema: () => service.getRecipeSchema(),
    historyRecipe: (modelId) => service.historyRecipe(modelId),
    runRecipe: (p) => service.runRecipe(p),
    getRecipeFolder: () => service.getRecipeFolder(),
    // A compromised page must not point the service at any folder: only one the user chose.
    setRecipeFolder: (folder) => {
      if (!host.mayOpen(folder)) throw new WorkbenchError('NOT_ALLOWED', `${folder}: the window may use only a folder chosen by the user`);
      return service.setRecipeFolder(folder);
    },
    chooseRecipeFolder: async () => {
      if (!host.chooseFolder) return service.chooseRecipeFolder();
      const folder = await host.chooseFolder(contents, 'Folder of recipes');
      return { native: true, folder: folder === null ? null : await service.setRecipeFolder(folder) };
    },
    readRecipe: (name) => service.readRecipe(name),
    saveRecipe: (p) => service.saveRecipe(p),
    getPruneGroups: (modelId, criterion, hidden) => service.getPruneGroups(modelId, criterion, hidden),
    getPruneSettings: (modelId) => service.getPruneSettings(modelId),
    startPrune: (p) => service.startPrune(p),
    getPrune: (jobId) => service.getPrune(jobId),
    startServing: (p) => service.startServing(p),
    stopServing: (modelId) => service.stopServing(modelId),
    getServing: (modelId) => service.getServing(modelId),
    startLoad: (p) => service.startLoad(p),
    getLoad: (jobId) => service.getLoad(jobId),
    getModelText: (p) => service.getModelText(p),
    applyModelText: (p) => service.applyModelText(p),
    getGraphChanges: (p) => service.getGraphChanges(p),
  });
}

/** Answers the preload's calls on `workbench:<method>`, from the app's own windows only. */
export function registerIpc(host: IpcHost): void {
  for (const method of Object.keys(methods) as MethodName[]) {
    ipcMain.handle(methodChannel(method), async (event, params: unknown) => {
      const models = host.windowOf(event.sender);
      if (!models || !isTrustedSender(event, (contents) => host.windowOf(contents) !== undefined)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${method}: refused, the caller is not a workbench window` } };
      }
      return dispatch(handlersForWindow(host, models, event.sender), method, params);
    });
  }
}
