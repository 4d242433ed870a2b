import type { Backend } from './backend.js';
import type { MethodName } from './methods.js';
import type { WireResponse } from './wire.js';

// The Electron preload's bridge (`window.workbench`): exactly the Backend's methods, with the
// same arguments, each answering with a response envelope (a class like WorkbenchError cannot
// cross contextBridge; renderer/backend/ipc-backend.ts unwraps and checks it).

type Enveloped<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<WireResponse<R>> : never;

/** What the preload exposes as `window.workbench`. */
export type WorkbenchBridge = { [K in Exclude<keyof Backend, 'onProgress'>]: Enveloped<Backend[K]> } & {
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
