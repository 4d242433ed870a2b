import type { MethodName, MethodParams, MethodResult } from './methods.js';
import type { WireResponse } from './wire.js';

// The Electron preload's bridge (`window.workbench`): exactly the methods of the API table, each
// taking its params object and answering with a response envelope (a class like WorkbenchError
// cannot cross contextBridge; renderer/backend/ipc-backend.ts unwraps and checks it).

/** What the preload exposes as `window.workbench`. */
export type WorkbenchBridge = { [M in MethodName]: (params: MethodParams<M>) => Promise<WireResponse<MethodResult<M>>> } & {
  /** Calls `listener` with each progress event message (unchecked: the renderer checks it); returns an unsubscribe. */
  onProgress(listener: (message: unknown) => void): () => void;
};

/** IPC channel of a method: `workbench:<method>`. */
export type MethodChannel = `workbench:${MethodName}`;
/** IPC channel the host sends events on ({event, data} messages). */
export const EVENT_CHANNEL = 'workbench:event';
/** Prefix of method channels. */
export const METHOD_CHANNEL_PREFIX = 'workbench:';

/** The IPC channel of a method. */
export function methodChannel(method: MethodName): MethodChannel {
  return `${METHOD_CHANNEL_PREFIX}${method}` as MethodChannel;
}

/** Commands the Electron menu sends to the focused window (its accelerators reach the menu, not the page). */
export const MENU_COMMANDS = ['undo', 'redo', 'saveAs'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
/** IPC channel of menu commands (main → preload). */
export const MENU_CHANNEL = 'workbench:menu';
/** The DOM event the preload dispatches on `window` for a menu command (plain events cross from the preload's world; their details would not). */
export function menuEventName(command: MenuCommand): `workbench-menu:${MenuCommand}` {
  return `workbench-menu:${command}`;
}
