import { WorkbenchError } from '../errors.js';

export type NodeId = number;

/** What one primitive edit did to which node (for diffs); `graph` names the graph it touched. */
export interface ChangeRecord {
  readonly kind: 'addNode' | 'removeNode' | 'changeNode' | 'changeGraph';
  readonly graph: string;
  readonly nodeId?: NodeId;
}

interface Change extends ChangeRecord {
  apply(): void;
  revert(): void;
}

/** A named group of edits that undo and redo as one step (a pass run, a manual edit). */
export interface Transaction {
  readonly label: string;
  readonly changes: readonly ChangeRecord[];
}

/** Nodes added, removed and changed between two states of the journal. */
export interface JournalDiff {
  added: NodeId[];
  removed: NodeId[];
  changed: NodeId[];
  graphChanged: boolean;
}

/** A place in the journal (see Journal.mark). */
export interface JournalMark {
  state: number;
  /** Changes already in the open transaction; -1: none was open. */
  open: number;
}

/**
 * The edit history of a model. Every mutation of the IR goes through `record`, inside a
 * transaction; undo and redo replay the recorded inverses. States are numbered: 0 is the model
 * as loaded, n is after the n-th transaction.
 */
export class Journal {
  private readonly done: { label: string; changes: Change[] }[] = [];
  private undone: { label: string; changes: Change[] }[] = [];
  private open: { label: string; changes: Change[] } | undefined;
  private replaying = false;
  private edits = 0;
  private key = 0;

  /**
   * A key for caches of derived facts: a fresh number after every applied, reverted or replayed
   * change (numbers are never reused), and back to its old value when a transaction is rolled
   * back as a whole (a dry run, a failed edit), since the model is then exactly as it was.
   */
  get version(): number {
    return this.key;
  }

  private bump(): void {
    this.key = ++this.edits;
  }

  /** Runs `fn` as one transaction; if it throws, its changes are rolled back. */
  transaction<T>(label: string, fn: () => T): T {
    const scope = this.begin(label);
    try {
      const result = fn();
      this.end(scope);
      return result;
    } catch (e) {
      this.abort(scope);
      throw e;
    }
  }

  /**
   * `transaction` for work that awaits (a pass calling onnxruntime to fold constants). Nothing
   * else may edit the model until it settles: the journal is single-writer.
   */
  async transactionAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const scope = this.begin(label);
    try {
      const result = await fn();
      this.end(scope);
      return result;
    } catch (e) {
      this.abort(scope);
      throw e;
    }
  }

  // Inside an open transaction a new one is part of it (`outer` false), and `mark` is where its
  // own changes start: if it throws only they are undone, so a caller that catches the error (a
  // pass skipping a match whose guard failed) is left with no half-edit.
  /**
   * Runs `fn` as a transaction, notes what it changed, then rolls it all back: a dry run. The
   * redo list is left as it was (a committed-then-undone transaction would clear it). Must not be
   * called inside an open transaction.
   */
  async tryAsync<T>(label: string, fn: () => Promise<T>): Promise<{ result: T; diff: JournalDiff }> {
    if (this.open) throw new Error('a dry run inside a transaction');
    const scope = this.begin(label);
    try {
      const result = await fn();
      return { result, diff: diffOf([scope.tx.changes]) };
    } finally {
      this.abort(scope);
    }
  }

  private begin(label: string): { tx: { label: string; changes: Change[] }; mark: number; outer: boolean; key: number } {
    if (this.open) return { tx: this.open, mark: this.open.changes.length, outer: false, key: this.key };
    this.open = { label, changes: [] };
    return { tx: this.open, mark: 0, outer: true, key: this.key };
  }

  private end({ tx, outer }: { tx: { label: string; changes: Change[] }; outer: boolean }): void {
    if (!outer) return;
    this.open = undefined;
    if (tx.changes.length > 0) {
      this.done.push(tx);
      this.undone = [];
    }
  }

  private abort({ tx, mark, outer, key }: { tx: { changes: Change[] }; mark: number; outer: boolean; key: number }): void {
    if (outer) this.open = undefined;
    const undone = tx.changes.splice(mark);
    if (!undone.length) return;
    this.rollBack(undone);
    // The whole transaction undone: the model is as it was under `key`.
    if (outer) this.key = key;
  }

  private rollBack(changes: readonly Change[]): void {
    this.bump();
    this.replaying = true;
    try {
      for (let i = changes.length - 1; i >= 0; i--) changes[i]!.revert();
    } finally {
      this.replaying = false;
    }
  }

  /** Applies a primitive change and records it (in its own transaction when none is open). */
  record(change: Change): void {
    if (this.replaying) throw new Error('IR edited while undo/redo is replaying');
    if (!this.open) {
      this.transaction('edit', () => this.record(change));
      return;
    }
    change.apply();
    this.bump();
    this.open.changes.push(change);
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** How many undone transactions redo can bring back. */
  get redoCount(): number {
    return this.undone.length;
  }

  /** The current state's number (how many transactions are applied). */
  get state(): number {
    return this.done.length;
  }

  /** Applied transactions, oldest first. */
  history(): Transaction[] {
    return this.done.map((t) => ({ label: t.label, changes: t.changes }));
  }

  undo(): string {
    const tx = this.done.pop();
    if (!tx) throw new WorkbenchError('NOTHING_TO_UNDO', 'nothing to undo');
    this.replay(() => {
      for (let i = tx.changes.length - 1; i >= 0; i--) tx.changes[i]!.revert();
    });
    this.undone.push(tx);
    return tx.label;
  }

  redo(): string {
    const tx = this.undone.pop();
    if (!tx) throw new WorkbenchError('NOTHING_TO_REDO', 'nothing to redo');
    this.replay(() => {
      for (const c of tx.changes) c.apply();
    });
    this.done.push(tx);
    return tx.label;
  }

  private replay(fn: () => void): void {
    this.bump();
    if (this.open) throw new Error('undo/redo inside a transaction');
    this.replaying = true;
    try {
      fn();
    } finally {
      this.replaying = false;
    }
  }

  /** Where the journal is now, for `diffSince`: inside an open transaction, how far into it. */
  mark(): JournalMark {
    return { state: this.done.length, open: this.open ? this.open.changes.length : -1 };
  }

  /**
   * What changed since `mark` (null: nothing), also when both lie inside one open transaction (an
   * operation applied as part of a larger step), where `state` does not move.
   */
  diffSince(mark: JournalMark): JournalDiff | null {
    const lists = mark.open >= 0 && this.open ? [this.open.changes.slice(mark.open)] : this.done.slice(mark.state).map((tx) => tx.changes);
    if (!lists.some((l) => l.length > 0)) return null;
    return diffOf(lists);
  }

  /** Nodes added/removed/changed going from state `from` to state `to` (either direction). */
  diff(from: number, to: number): JournalDiff {
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    if (lo < 0 || hi > this.done.length) {
      throw new WorkbenchError('BAD_STATE', `journal state ${hi} does not exist (0..${this.done.length})`);
    }
    const forward = diffOf(this.done.slice(lo, hi).map((tx) => tx.changes));
    return from <= to ? forward : { ...forward, added: forward.removed, removed: forward.added };
  }
}

/** Net effect of change lists applied in order: a node added then removed is neither. */
function diffOf(lists: readonly (readonly ChangeRecord[])[]): JournalDiff {
  const added = new Set<NodeId>();
  const removed = new Set<NodeId>();
  const changed = new Set<NodeId>();
  let graphChanged = false;
  for (const changes of lists) {
    for (const c of changes) {
      if (c.kind === 'changeGraph') graphChanged = true;
      if (c.nodeId === undefined) continue;
      if (c.kind === 'addNode') {
        if (removed.has(c.nodeId)) removed.delete(c.nodeId);
        else added.add(c.nodeId);
      } else if (c.kind === 'removeNode') {
        if (added.has(c.nodeId)) added.delete(c.nodeId);
        else removed.add(c.nodeId);
        changed.delete(c.nodeId);
      } else if (!added.has(c.nodeId)) changed.add(c.nodeId);
    }
  }
  return { added: [...added], removed: [...removed], changed: [...changed], graphChanged };
}
