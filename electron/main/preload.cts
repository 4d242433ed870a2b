// The preload of every workbench window. It runs sandboxed, so it may require only 'electron'
// (types from the rest of the project are erased). It exposes exactly the API table's methods as
// `window.workbench`; each answers with the host's response envelope, which the renderer checks.
import { contextBridge, ipcRenderer } from 'electron';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';

// Checked against shared/protocol/bridge.ts at compile time: the same strings, typed.
const EVENTS: typeof import('../../shared/protocol/bridge.js').EVENT_CHANNEL = 'workbench:event';
type Channel = import('../../shared/protocol/bridge.js').MethodChannel;
const MENU: typeof import('../../shared/protocol/bridge.js').MENU_CHANNEL = 'workbench:menu';
const MENU_COMMANDS: typeof import('../../shared/protocol/bridge.js').MENU_COMMANDS = ['undo', 'redo', 'saveAs'];

const call = (channel: Channel, params: unknown) => ipcRenderer.invoke(channel, params);

const bridge: WorkbenchBridge = {
  initialModel: (params) => call('workbench:initialModel', params),
  openModel: (params) => call('workbench:openModel', params),
  getGraphPart: (params) => call('workbench:getGraphPart', params),
  getTensor: (params) => call('workbench:getTensor', params),
  getVerifySettings: (params) => call('workbench:getVerifySettings', params),
  setVerifySettings: (params) => call('workbench:setVerifySettings', params),
  listOperations: (params) => call('workbench:listOperations', params),
  previewOperation: (params) => call('workbench:previewOperation', params),
  applyOperation: (params) => call('workbench:applyOperation', params),
  undo: (params) => call('workbench:undo', params),
  redo: (params) => call('workbench:redo', params),
  goToStep: (params) => call('workbench:goToStep', params),
  getHistory: (params) => call('workbench:getHistory', params),
  saveModel: (params) => call('workbench:saveModel', params),
  getJob: (params) => call('workbench:getJob', params),
  cancelJob: (params) => call('workbench:cancelJob', params),
  getDocumentState: (params) => call('workbench:getDocumentState', params),
  chooseSavePath: (params) => call('workbench:chooseSavePath', params),
  listRecoveries: (params) => call('workbench:listRecoveries', params),
  restoreRecovery: (params) => call('workbench:restoreRecovery', params),
  discardRecovery: (params) => call('workbench:discardRecovery', params),
  startProfile: (params) => call('workbench:startProfile', params),
  getProfile: (params) => call('workbench:getProfile', params),
  startCompare: (params) => call('workbench:startCompare', params),
  getCompare: (params) => call('workbench:getCompare', params),
  getQuantizeSettings: (params) => call('workbench:getQuantizeSettings', params),
  startQuantize: (params) => call('workbench:startQuantize', params),
  getQuantize: (params) => call('workbench:getQuantize', params),
  startSensitivity: (params) => call('workbench:startSensitivity', params),
  getSensitivity: (params) => call('workbench:getSensitivity', params),
  getRecipeSchema: (params) => call('workbench:getRecipeSchema', params),
  historyRecipe: (params) => call('workbench:historyRecipe', params),
  runRecipe: (params) => call('workbench:runRecipe', params),
  getRecipeFolder: (params) => call('workbench:getRecipeFolder', params),
  setRecipeFolder: (params) => call('workbench:setRecipeFolder', params),
  chooseRecipeFolder: (params) => call('workbench:chooseRecipeFolder', params),
  readRecipe: (params) => call('workbench:readRecipe', params),
  saveRecipe: (params) => call('workbench:saveRecipe', params),
  getPruneGroups: (params) => call('workbench:getPruneGroups', params),
  getPruneSettings: (params) => call('workbench:getPruneSettings', params),
  startPrune: (params) => call('workbench:startPrune', params),
  getPrune: (params) => call('workbench:getPrune', params),
  startServing: (params) => call('workbench:startServing', params),
  stopServing: (params) => call('workbench:stopServing', params),
  getServing: (params) => call('workbench:getServing', params),
  startLoad: (params) => call('workbench:startLoad', params),
  getLoad: (params) => call('workbench:getLoad', params),
  getModelText: (params) => call('workbench:getModelText', params),
  applyModelText: (params) => call('workbench:applyModelText', params),
  getGraphChanges: (params) => call('workbench:getGraphChanges', params),
  onProgress(listener) {
    const forward = (_event: Electron.IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(EVENTS, forward);
    return () => void ipcRenderer.removeListener(EVENTS, forward);
  },
};

contextBridge.exposeInMainWorld('workbench', bridge);

// Menu commands become plain DOM events on the page's window; the page decides what they do
// (a text field keeps its own undo). See renderer/save/menu-commands.ts.
ipcRenderer.on(MENU, (_event, command: unknown) => {
  if (MENU_COMMANDS.some((c) => c === command)) (globalThis as unknown as EventTarget).dispatchEvent(new Event(`workbench-menu:${String(command)}`));
});
