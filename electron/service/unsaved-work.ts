import type { DocumentState } from '../../shared/protocol/recovery-api.js';
import type { ModelDocument } from './model-document.js';
import type { ModelEditor } from './model-editor.js';
import type { RecoveryStore } from './recovery-store.js';

export interface UnsavedWorkOptions {
  /** Wait this long after a step before writing the copy, so a burst of steps writes once (ms). */
  delayMs?: number;
  /** Models whose file is larger than this get no recovery copy (the state says so). */
  maxBytes?: number;
}

interface Tracked {
  doc: ModelDocument;
  editor: ModelEditor;
  /** The recovery entry's id (the document's id, or the entry it was restored from). */
  entryId: string;
  /** A restored document's source file in the recovery folder: kept while the document is open. */
  keep: string | undefined;
  /** Labels of the steps before the restore (the journal starts anew on a restored copy). */
  priorLabels: string[];
  savedPath: string | null;
  recovery: DocumentState['recovery'];
  timer: NodeJS.Timeout | undefined;
  /** Writes and removals of this document's copy, one after another. */
  queue: Promise<void>;
}

/**
 * Keeps track of documents with unsaved steps and keeps a recovery copy of each: written after a
 * step (debounced, off the request's path), removed once saved, undone back to the saved state,
 * closed or discarded.
 */
export class UnsavedWork {
  private readonly docs = new Map<string, Tracked>();
  private readonly delayMs: number;
  private readonly maxBytes: number;

  constructor(
    readonly store: RecoveryStore,
    options: UnsavedWorkOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 250;
    this.maxBytes = options.maxBytes ?? 512 << 20;
  }

  /** Starts tracking a document (on its first edit call); `restored`: it came from a recovery entry. */
  track(doc: ModelDocument, editor: ModelEditor, restored?: { entryId: string; keep: string; labels: string[] }): void {
    if (this.docs.has(doc.id)) return;
    this.docs.set(doc.id, {
      doc,
      editor,
      entryId: restored?.entryId ?? doc.id,
      keep: restored?.keep,
      priorLabels: restored?.labels ?? [],
      savedPath: null,
      recovery: restored ? { state: 'written', id: restored.entryId, message: null } : { state: 'none', id: null, message: null },
      timer: undefined,
      queue: Promise.resolve(),
    });
  }

  /** Entry ids that documents open now own (not offered as left over by an earlier run). */
  liveEntries(): Set<string> {
    return new Set([...this.docs.values()].map((t) => t.entryId));
  }

  /** The open document restored from an entry, if any. */
  restoredFrom(entryId: string): string | undefined {
    for (const [id, t] of this.docs) if (t.entryId === entryId) return id;
    return undefined;
  }

  /** After a step, undo, redo or jump: schedules the copy's update. */
  changed(modelId: string): void {
    const t = this.docs.get(modelId);
    if (!t) return;
    if (t.timer) clearTimeout(t.timer);
    if (t.recovery.state !== 'skipped') t.recovery = { ...t.recovery, state: 'pending' };
    t.timer = setTimeout(() => {
      t.timer = undefined;
      this.enqueue(t, () => this.update(t));
    }, this.delayMs);
    t.timer.unref?.();
  }

  /** After a save: the copy is no longer needed. */
  saved(modelId: string, path: string): Promise<void> {
    const t = this.docs.get(modelId);
    if (!t) return Promise.resolve();
    t.savedPath = path;
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    t.priorLabels = [];
    return this.enqueue(t, () => this.removeCopy(t));
  }

  /**
   * A document closed. `discard`: the user chose to drop its unsaved steps, so the copy goes;
   * otherwise (evicted, host shutting down) a copy of unsaved work stays, offered on the next start.
   */
  closed(modelId: string, discard: boolean): Promise<void> {
    const t = this.docs.get(modelId);
    if (!t) return Promise.resolve();
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    this.docs.delete(modelId);
    if (!discard && t.editor.unsaved) return this.enqueue(t, () => this.update(t));
    t.keep = undefined;
    return this.enqueue(t, () => this.removeCopy(t));
  }

  state(modelId: string, editor: ModelEditor | undefined): DocumentState {
    const t = this.docs.get(modelId);
    return {
      modelId,
      unsaved: editor?.unsaved ?? false,
      savedPath: t?.savedPath ?? null,
      recovery: t?.recovery ?? { state: 'none', id: null, message: null },
    };
  }

  /** Resolves when every scheduled write has been done (tests; shutdown). */
  async flush(): Promise<void> {
    for (const t of this.docs.values()) {
      if (t.timer) {
        clearTimeout(t.timer);
        t.timer = undefined;
        this.enqueue(t, () => this.update(t));
      }
    }
    await Promise.all([...this.docs.values()].map((t) => t.queue));
  }

  private enqueue(t: Tracked, fn: () => Promise<void>): Promise<void> {
    t.queue = t.queue.then(fn).catch((e: unknown) => {
      t.recovery = { state: 'failed', id: null, message: `recovery copy not written: ${e instanceof Error ? e.message : String(e)}` };
    });
    return t.queue;
  }

  private async update(t: Tracked): Promise<void> {
    if (!t.editor.unsaved) return this.removeCopy(t);
    const size = t.doc.model.fileSize;
    if (size > this.maxBytes) {
      t.recovery = { state: 'skipped', id: null, message: `no recovery copy: ${t.doc.origin.name} is over ${Math.round(this.maxBytes / 2 ** 20)} MiB; save your work` };
      return;
    }
    const { model, labels } = await t.editor.labelledSnapshot();
    await this.store.write({ id: t.entryId, name: t.doc.origin.name, originalPath: t.doc.origin.path, labels: [...t.priorLabels, ...labels] }, model, t.doc.model, t.keep);
    t.recovery = { state: 'written', id: t.entryId, message: null };
  }

  private async removeCopy(t: Tracked): Promise<void> {
    await this.store.remove(t.entryId, t.keep);
    t.recovery = { state: 'none', id: null, message: null };
  }
}
