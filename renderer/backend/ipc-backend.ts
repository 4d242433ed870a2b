import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';
import type { MethodName, MethodParams, MethodResult } from '../../shared/protocol/methods.js';
import { parseEvent, unwrapResponse } from '../../shared/protocol/wire.js';
import { CallBackend } from './call-backend.js';

/**
 * Backend over the Electron preload's bridge (`window.workbench`). The bridge answers with
 * envelopes; results are checked here and errors rethrown as WorkbenchErrors, as over HTTP.
 */
export class IpcBackend extends CallBackend {
  constructor(private readonly bridge: WorkbenchBridge) {
    super();
  }

  protected async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    const send = this.bridge[method] as (p: MethodParams<M>) => Promise<unknown>;
    return unwrapResponse(method, await send.call(this.bridge, params));
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    return this.bridge.onProgress((raw) => {
      let message;
      try {
        message = parseEvent(raw);
      } catch (e) {
        console.warn(`ignoring an event: ${(e as Error).message}`);
        return;
      }
      if (message?.event === 'progress') listener(message.data);
    });
  }
}
