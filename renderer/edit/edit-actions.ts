import type { Backend, GraphInfo, GraphPath, ProgressEvent } from '../../shared/protocol/backend.js';
import { applyGraphChanges } from '../../shared/protocol/graph-changes.js';
import type { EditHistory, EditResult, OperationInfo } from '../../shared/protocol/operations-api.js';
import type { Mark } from '../app/actions.js';
import { nextTask, runSliced } from '../graph/steps.js';
import { prepareGraphSteps } from '../graph/view-graph.js';
import { searchGraph } from '../search/search-index.js';
import { currentPath, type AppStore } from '../state/app-state.js';
import { placeAfterEdit } from './apply-diff.js';
import type { EditStore } from './edit-state.js';

// What the user does to change the model: list the operations that apply to the selection,
// preview one, apply it, undo, redo, jump in the history, cancel a verification. Each call goes
// to the Backend; a refused request leaves everything as it was and shows its one line.

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const POLL_MS = 500;

export function createEditActions(app: AppStore, edit: EditStore, backend: Backend, mark: Mark = () => {}) {
  let listToken = 0;
  let poll: ReturnType<typeof setTimeout> | undefined;
  const modelId = () => app.get().model?.modelId ?? null;
  const selectionIds = (sel: ReadonlySet<number>) => (sel.size ? [...sel].sort((a, b) => a - b) : undefined);

  /** Runs a request; a refusal becomes the error line and nothing else changes. */
  async function guarded<T>(busy: string, run: () => Promise<T>): Promise<T | null> {
    edit.set({ busy, error: null });
    try {
      const out = await run();
      edit.set({ busy: null });
      return out;
    } catch (e) {
      edit.set({ busy: null, error: errorText(e) });
      return null;
    }
  }

  // While a step's verification runs, the history is re-read (progress events say how far it is).
  function watch(history: EditHistory): void {
    clearTimeout(poll);
    const id = modelId();
    if (!id || !history.steps.some((s) => s.verification.state === 'running')) return;
    poll = setTimeout(() => {
      if (modelId() !== id) return;
      backend.getHistory(id).then(
        (h) => {
          if (modelId() !== id) return;
          edit.set({ history: h });
          watch(h);
        },
        () => watch(history),
      );
    }, POLL_MS);
  }

  // The graph after an edit: the one shown patched with what changed since its version (a few
  // hundred nodes instead of the whole graph), or re-read whole where the host has no patch (a
  // version it no longer keeps, a patch as big as the graph) or the graph shown is another path's.
  async function editedGraph(modelId: string, path: GraphPath, shown: GraphInfo | null): Promise<GraphInfo> {
    if (shown?.version !== undefined && JSON.stringify(shown.path) === JSON.stringify(path)) {
      const changes = await backend.getGraphChanges({ modelId, path, from: shown.version });
      if (changes) {
        try {
          const patched = applyGraphChanges(shown, changes);
          mark('wb:edit-graph-patched');
          return patched;
        } catch {
          // A patch that does not fit the graph shown (it changed meanwhile): read it whole.
        }
      }
    }
    return backend.getGraph(modelId, path);
  }

  // The edited graph re-prepared, keeping the user's place (see apply-diff.ts).
  async function showEdited(result: EditResult): Promise<void> {
    const s = app.get();
    if (!s.model) return;
    const graph = await editedGraph(s.model.modelId, currentPath(s), s.graph);
    mark('wb:edit-graph-received');
    await nextTask();
    const prepared = await runSliced(prepareGraphSteps(graph), () => false);
    const now = app.get();
    const place = placeAfterEdit(now, now.prepared, prepared, result.diff);
    const found = now.query ? searchGraph(prepared, now.query) : null;
    edit.set({ editedGraph: prepared });
    app.set({
      graph,
      prepared,
      ...place,
      ...(found ? { matches: found.keys, results: found.results, resultTotal: found.total } : {}),
    });
    mark('wb:edit-prepared');
  }

  // While a request that changes the model is in flight, and until the view shows its result, the
  // selection may name nodes the change removed: listing waits, and runs once the view is updated.
  let changing = 0;
  let listAfter = false;
  async function changingModel<T>(run: () => Promise<T>): Promise<T> {
    changing++;
    try {
      return await run();
    } finally {
      if (--changing === 0 && listAfter) {
        listAfter = false;
        void actions.list();
      }
    }
  }

  function edited(busy: string, run: (id: string, version: number | undefined) => Promise<EditResult>): Promise<void> {
    return changingModel(async () => {
      const id = modelId();
      if (!id) return;
      const version = edit.get().history?.version ?? edit.get().operations?.version;
      const result = await guarded(busy, () => run(id, version));
      if (!result) return;
      edit.set({ history: result, preview: null, menu: null });
      watch(result);
      const shown = await guarded('Updating the graph…', () => showEdited(result));
      if (shown !== null) listAfter = true;
    });
  }

  const actions = {
    /** Forgets everything of the previous model and reads the new one's history. */
    async reset(): Promise<void> {
      clearTimeout(poll);
      listToken++;
      edit.set({ operations: null, preview: null, history: null, jobs: new Map(), error: null, busy: null, editedGraph: null, menu: null });
      const id = modelId();
      if (!id) return;
      const history = await backend.getHistory(id).catch(() => null);
      if (modelId() === id && history) edit.set({ history });
      await actions.list();
    },

    /** Lists what applies to the current selection (the whole graph when nothing is selected). */
    async list(): Promise<void> {
      const id = modelId();
      if (!id) return;
      if (changing) {
        listAfter = true;
        return;
      }
      const token = ++listToken;
      const selection = selectionIds(app.get().selection);
      edit.set({ listing: true });
      try {
        const operations = await backend.listOperations({ modelId: id, ...(selection ? { selection } : {}), all: edit.get().showAll });
        if (token === listToken) edit.set({ operations, listing: false });
      } catch (e) {
        if (token === listToken) edit.set({ listing: false, operations: null, error: errorText(e) });
      }
    },
    setShowAll(showAll: boolean): Promise<void> {
      edit.set({ showAll });
      return actions.list();
    },

    /** Dry-runs an operation on the selection it was listed for and marks what it would change. */
    async preview(op: OperationInfo, options: Record<string, unknown>, selection?: number[]): Promise<void> {
      const id = modelId();
      if (!id) return;
      const sel = selection ?? edit.get().operations?.selection ?? undefined;
      // The history is re-read after every step, undo and redo; a listing still on its way may be older.
      const version = edit.get().history?.version ?? edit.get().operations?.version;
      const result = await guarded(`Previewing ${op.name}…`, () =>
        backend.previewOperation({ modelId: id, name: op.name, options, ...(sel ? { selection: sel } : {}), ...(version !== undefined ? { version } : {}) }),
      );
      if (result) edit.set({ preview: { op, options, selection: sel, result, nodes: new Set([...result.removed, ...result.changed]) }, menu: null });
    },
    cancelPreview(): void {
      edit.set({ preview: null, error: null });
    },
    /** Applies the previewed operation as one step, at the version it was previewed at. */
    apply(): Promise<void> {
      const p = edit.get().preview;
      if (!p) return Promise.resolve();
      mark('wb:edit-apply');
      return edited(`Applying ${p.op.name}…`, (id) =>
        backend.applyOperation({ modelId: id, name: p.op.name, options: p.options, version: p.result.version, ...(p.selection ? { selection: p.selection } : {}) }),
      );
    },
    /** Shows an edit a job made (a quantize step): the history, its verification, the graph. */
    /** Runs a change made outside these actions (the text editor's apply and its view update) with listing held back. */
    changingModel,
    showEdit: (result: EditResult) => edited('Updating the graph…', () => Promise.resolve(result)),
    /** The history and graph re-read after steps applied by a job (a recipe run). */
    refresh: () =>
      edited('Reading the history…', async (id) => {
        const h = await backend.getHistory(id);
        return { ...h, diff: { added: [], removed: [], changed: [], graphChanged: true }, step: null };
      }),
    undo: () => edited('Undoing…', (modelId, version) => backend.undo({ modelId, ...(version !== undefined ? { version } : {}) })),
    redo: () => edited('Redoing…', (modelId, version) => backend.redo({ modelId, ...(version !== undefined ? { version } : {}) })),
    goToStep: (index: number) => edited(`Going to step ${index}…`, (modelId, version) => backend.goToStep({ modelId, index, ...(version !== undefined ? { version } : {}) })),

    async cancelJob(jobId: string): Promise<void> {
      const id = modelId();
      if (!id) return;
      await guarded('Cancelling the verification…', () => backend.cancelJob(jobId));
      const h = await backend.getHistory(id).catch(() => null);
      if (h && modelId() === id) edit.set({ history: h });
    },
    /** A job's progress event. */
    progress(e: ProgressEvent): void {
      edit.set((s) => ({ jobs: new Map(s.jobs).set(e.jobId, e) }));
    },

    /** Opens the context menu for a node: it lists what applies to that node alone. */
    async openMenu(nodeId: number, x: number, y: number): Promise<void> {
      const id = modelId();
      if (!id) return;
      edit.set({ menu: { x, y, nodeId, operations: null } });
      try {
        const list = await backend.listOperations({ modelId: id, selection: [nodeId] });
        edit.set((s) => (s.menu?.nodeId === nodeId ? { menu: { ...s.menu, operations: list.operations } } : {}));
      } catch (e) {
        edit.set({ menu: null, error: errorText(e) });
      }
    },
    closeMenu(): void {
      edit.set({ menu: null });
    },
    dispose(): void {
      clearTimeout(poll);
    },
  };
  return actions;
}

export type EditActions = ReturnType<typeof createEditActions>;
