import { WorkbenchError } from '../../shared/errors.js';
import type { Backend } from '../../shared/protocol/backend.js';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';
import { HttpBackend } from './http-backend.js';
import { IpcBackend } from './ipc-backend.js';

export { HttpBackend } from './http-backend.js';
export { IpcBackend } from './ipc-backend.js';

interface PageGlobals {
  workbench?: WorkbenchBridge;
  location?: { search: string; origin: string };
}

/**
 * The Backend of the host this page runs in: the Electron preload's bridge when there is one,
 * else the local server, with the token from the page's URL (`?token=`).
 */
export function createBackend(page: PageGlobals = globalThis as unknown as PageGlobals): Backend {
  if (page.workbench) return new IpcBackend(page.workbench);
  const token = new URLSearchParams(page.location?.search ?? '').get('token');
  if (!token || !page.location) {
    throw new WorkbenchError('NO_TOKEN', 'this page was opened without its token; open the URL that `onnx-workbench serve` printed');
  }
  return new HttpBackend({ origin: page.location.origin, token });
}
