import type { OpenedModelInfo } from '../../shared/protocol/backend.js';

/**
 * What one window shows: the model it was opened for (the answer to its initialModel), and
 * every document it opened, closed with the window.
 */
export class WindowModels {
  private initial: Promise<OpenedModelInfo | null> | undefined;
  readonly documents = new Set<string>();

  constructor(readonly modelPath: string | null) {}

  /** The window's model, opened once (a reload of the page gets the same document while it is open). */
  async initialModel(open: (path: string) => Promise<OpenedModelInfo>, isOpen: (modelId: string) => boolean = () => true): Promise<OpenedModelInfo | null> {
    const known = await this.initial?.catch(() => undefined);
    if (known && !isOpen(known.modelId)) this.initial = undefined;
    if (!this.initial) {
      const p = this.modelPath === null ? Promise.resolve(null) : open(this.modelPath).then((info) => this.track(info));
      p.catch(() => (this.initial = undefined)); // a failed open may be retried by a reload
      this.initial = p;
    }
    return this.initial;
  }

  track(info: OpenedModelInfo): OpenedModelInfo {
    this.documents.add(info.modelId);
    return info;
  }
}
