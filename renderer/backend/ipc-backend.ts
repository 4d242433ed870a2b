import type { Backend, GraphInfo, GraphPath, OpenedModelInfo, ProgressEvent, TensorInfo } from '../../shared/protocol/backend.js';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';
import { backendOver, type MethodName, type MethodParams, type MethodResult } from '../../shared/protocol/methods.js';
import { parseEvent, unwrapResponse } from '../../shared/protocol/wire.js';

/**
 * Backend over the Electron preload's bridge (`window.workbench`). The bridge answers with
 * envelopes; results are checked here and errors rethrown as WorkbenchErrors, as over HTTP.
 */
export class IpcBackend implements Backend {
  private readonly calls: Omit<Backend, 'onProgress'>;

  constructor(private readonly bridge: WorkbenchBridge) {
    this.calls = backendOver((method, params) => this.call(method, params));
  }

  private async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    const send = this.bridge[method] as (p: MethodParams<M>) => Promise<unknown>;
    return unwrapResponse(method, await send(params));
  }

  initialModel(): Promise<OpenedModelInfo | null> {
    return this.calls.initialModel();
  }

  openModel(source: { path: string } | { name: string; bytes: Uint8Array }): Promise<OpenedModelInfo> {
    return this.calls.openModel(source);
  }

  getGraph(modelId: string, path: GraphPath): Promise<GraphInfo> {
    return this.calls.getGraph(modelId, path);
  }

  getTensor(modelId: string, path: GraphPath, name: string): Promise<TensorInfo> {
    return this.calls.getTensor(modelId, path, name);
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
