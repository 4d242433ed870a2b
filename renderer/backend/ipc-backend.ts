import type { Backend, GraphInfo, GraphPath, OpenedModelInfo, ProgressEvent, TensorInfo } from '../../shared/protocol/backend.js';
import type { WorkbenchBridge } from '../../shared/protocol/bridge.js';
import { parseEvent, unwrapResponse } from '../../shared/protocol/wire.js';

/**
 * Backend over the Electron preload's bridge (`window.workbench`). The bridge answers with
 * envelopes; results are checked here and errors rethrown as WorkbenchErrors, as over HTTP.
 */
export class IpcBackend implements Backend {
  constructor(private readonly bridge: WorkbenchBridge) {}

  async initialModel(): Promise<OpenedModelInfo | null> {
    return unwrapResponse('initialModel', await this.bridge.initialModel());
  }

  async openModel(source: { path: string } | { name: string; bytes: Uint8Array }): Promise<OpenedModelInfo> {
    return unwrapResponse('openModel', await this.bridge.openModel(source));
  }

  async getGraph(modelId: string, path: GraphPath): Promise<GraphInfo> {
    return unwrapResponse('getGraph', await this.bridge.getGraph(modelId, path));
  }

  async getTensor(modelId: string, path: GraphPath, name: string): Promise<TensorInfo> {
    return unwrapResponse('getTensor', await this.bridge.getTensor(modelId, path, name));
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
