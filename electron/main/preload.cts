// The preload of every workbench window. It runs sandboxed, so it may require only 'electron'
// (types from the rest of the project are erased). It exposes exactly the API table's methods as
// `window.workbench`; each answers with the host's response envelope, which the renderer checks.
import { contextBridge, ipcRenderer } from 'electron';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';

// Checked against shared/protocol/bridge.ts at compile time: the same strings, typed.
const EVENTS: typeof import('../../shared/protocol/bridge.js').EVENT_CHANNEL = 'workbench:event';
type Channel = import('../../shared/protocol/bridge.js').MethodChannel;

const call = (channel: Channel, params: unknown) => ipcRenderer.invoke(channel, params);

const bridge: WorkbenchBridge = {
  initialModel: (params) => call('workbench:initialModel', params),
  openModel: (params) => call('workbench:openModel', params),
  getGraphPart: (params) => call('workbench:getGraphPart', params),
  getTensor: (params) => call('workbench:getTensor', params),
  getVerifySettings: (params) => call('workbench:getVerifySettings', params),
  setVerifySettings: (params) => call('workbench:setVerifySettings', params),
  onProgress(listener) {
    const forward = (_event: Electron.IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(EVENTS, forward);
    return () => void ipcRenderer.removeListener(EVENTS, forward);
  },
};

contextBridge.exposeInMainWorld('workbench', bridge);
