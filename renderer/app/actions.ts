import { allScopes, ancestorScopes, defaultExpansion } from '../../shared/layout/index.js';
import type { Backend, GraphNodeInfo, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { nextTask, runSliced } from '../graph/steps.js';
import { subgraphTitle } from '../graph/value-labels.js';
import { prepareGraphSteps, type PreparedGraph } from '../graph/view-graph.js';
import { searchGraph } from '../search/search-index.js';
import { currentPath, type AppStore, type Crumb } from '../state/app-state.js';
import { applySelection, type SelectMode } from '../state/selection.js';

// What the user can do, as functions over the store and the Backend: open a model, move between
// graphs, expand and collapse scopes, select, search. Components call these; tests call them
// with an in-memory backend and check the store.

/** Marks a moment for the view benchmark (performance.mark in the page). */
export type Mark = (name: string) => void;

const NO_KEYS = new Set<string>();

/** The node ids a box stands for: a node itself, or every node inside a scope. */
export function membersOf(p: PreparedGraph, key: string): number[] {
  if (key.startsWith('n:')) return p.nodeIndex.has(Number(key.slice(2))) ? [Number(key.slice(2))] : [];
  if (!key.startsWith('s:')) return [];
  const path = key.slice(2);
  const inside = new Uint8Array(p.tree.paths.length);
  p.tree.paths.forEach((s, i) => {
    if (s === path || s.startsWith(`${path}/`)) inside[i] = 1;
  });
  return p.info.nodes.filter((_, i) => inside[p.tree.scopeOf[i]]).map((n) => n.id);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createActions(store: AppStore, backend: Backend, mark: Mark = () => {}) {
  let loading = 0;

  async function showGraph(model: OpenedModelInfo, crumbs: Crumb[], focus: string | null = null): Promise<void> {
    const token = ++loading;
    const path = crumbs[crumbs.length - 1].path;
    store.set({ busy: 'Reading the graph…', error: null });
    try {
      const graph = await backend.getGraph(model.modelId, path);
      if (token !== loading) return;
      mark('wb:graph-received');
      // In slices, each in its own task: a 100,000-node graph must not freeze the page.
      await nextTask();
      const prepared = await runSliced(prepareGraphSteps(graph), () => token !== loading);
      const expanded = defaultExpansion(prepared.tree);
      if (focus?.startsWith('n:')) {
        const i = prepared.nodeIndex.get(Number(focus.slice(2)));
        if (i !== undefined) for (const s of ancestorScopes(prepared.tree.paths[prepared.tree.scopeOf[i]])) expanded.add(s);
      }
      store.set((s) => ({
        model,
        crumbs,
        graph,
        prepared,
        expanded,
        selection: new Set(),
        focus,
        reveal: s.reveal + 1,
        query: '',
        matches: NO_KEYS,
        results: [],
        resultTotal: 0,
        busy: null,
      }));
    } catch (e) {
      if (token === loading) store.set({ busy: null, error: errorText(e) });
    }
  }

  async function opened(p: Promise<OpenedModelInfo | null>): Promise<void> {
    const token = ++loading;
    store.set({ busy: 'Opening the model…', error: null });
    try {
      const model = await p;
      if (token !== loading) return;
      if (!model) {
        store.set({ busy: null });
        return;
      }
      mark('wb:model-opened');
      await showGraph(model, [{ label: model.summary.graphName || 'main graph', path: [] }]);
    } catch (e) {
      if (token === loading) store.set({ busy: null, error: errorText(e) });
    }
  }

  function expandTo(key: string, expanded: ReadonlySet<string>): ReadonlySet<string> {
    const p = store.get().prepared;
    if (!p || !key.startsWith('n:')) return expanded;
    const i = p.nodeIndex.get(Number(key.slice(2)));
    if (i === undefined) return expanded;
    const needed = ancestorScopes(p.tree.paths[p.tree.scopeOf[i]]).filter((s) => !expanded.has(s));
    return needed.length ? new Set([...expanded, ...needed]) : expanded;
  }

  const actions = {
    /** Opens the model the host started with, if any. */
    openInitial: () => opened(backend.initialModel()),
    /** Opens a file the user picked or dropped. */
    openFile: async (file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }) =>
      opened(file.arrayBuffer().then((b) => backend.openModel({ name: file.name, bytes: new Uint8Array(b) }))),
    openPath: (path: string) => opened(backend.openModel({ path })),
    /** Opens a recovery copy left by an earlier run (unsaved steps of a crashed or killed app). */
    openRecovery: (id: string) => opened(backend.restoreRecovery(id)),

    /** Enters a node's subgraph (an If branch, a Loop or Scan body, a called function's body). */
    openSubgraph(node: GraphNodeInfo, attribute: string, index?: number) {
      const s = store.get();
      if (!s.model) return Promise.resolve();
      const step = index === undefined ? { nodeId: node.id, attribute } : { nodeId: node.id, attribute, index };
      const sub = node.subgraphs.find((g) => g.attribute === attribute && g.index === index);
      const label = `${node.name || `${node.opType}#${node.id}`} › ${subgraphTitle(sub ?? { attribute, index, name: '' })}`;
      return showGraph(s.model, [...s.crumbs, { label, path: [...currentPath(s), step] }]);
    },
    /** Goes to the graph at a breadcrumb depth (0 is the main graph), focusing the node it was entered from. */
    goTo(depth: number) {
      const s = store.get();
      if (!s.model || depth < 0 || depth >= s.crumbs.length - 1) return Promise.resolve();
      const from = s.crumbs[depth + 1].path[depth];
      return showGraph(s.model, s.crumbs.slice(0, depth + 1), `n:${from.nodeId}`);
    },
    back() {
      return actions.goTo(store.get().crumbs.length - 2);
    },

    toggleScope(path: string) {
      store.set((s) => {
        if (!s.prepared) return {};
        if (s.expanded.has(path)) {
          const expanded = new Set([...s.expanded].filter((e) => e !== path && !e.startsWith(`${path}/`)));
          return { expanded, focus: `s:${path}`, reveal: s.reveal + 1 };
        }
        const expanded = new Set([...s.expanded, ...ancestorScopes(path)]);
        const p = s.prepared;
        const first = p.info.nodes.findIndex((_, i) => {
          const sp = p.tree.paths[p.tree.scopeOf[i]];
          return sp === path || sp.startsWith(`${path}/`);
        });
        return { expanded, focus: first >= 0 ? `n:${p.info.nodes[first].id}` : s.focus, reveal: s.reveal + 1 };
      });
    },
    /** Collapses the innermost expanded scope holding a node (nothing for other boxes). */
    collapseAround(key: string) {
      const s = store.get();
      const i = s.prepared && key.startsWith('n:') ? s.prepared.nodeIndex.get(Number(key.slice(2))) : undefined;
      if (i === undefined || !s.prepared) return;
      const scope = s.prepared.tree.paths[s.prepared.tree.scopeOf[i]];
      if (scope && s.expanded.has(scope)) actions.toggleScope(scope);
    },
    expandAll() {
      store.set((s) => (s.prepared ? { expanded: allScopes(s.prepared.tree) } : {}));
    },
    collapseAll() {
      store.set((s) => (s.prepared ? { expanded: defaultExpansion(s.prepared.tree, { expandAllUpTo: 0, budget: 0 }) } : {}));
    },

    /** A click on a box: it becomes the focus, and its nodes are selected per the mode. */
    activate(key: string, mode: SelectMode) {
      store.set((s) => (s.prepared ? { focus: key, selection: applySelection(s.selection, membersOf(s.prepared, key), mode) } : {}));
    },
    /** A rubber band over boxes. */
    selectKeys(keys: string[], mode: SelectMode) {
      store.set((s) => (s.prepared ? { selection: applySelection(s.selection, keys.flatMap((k) => membersOf(s.prepared!, k)), mode) } : {}));
    },
    clearSelection() {
      store.set({ selection: new Set(), focus: null });
    },
    /** Keyboard navigation: focus and select one box and bring it into view. */
    move(key: string) {
      store.set((s) => (s.prepared ? { focus: key, selection: new Set(membersOf(s.prepared, key)), reveal: s.reveal + 1 } : {}));
    },
    /** Enter or double click: expand a scope, or enter a node's first subgraph. */
    open(key: string) {
      const s = store.get();
      if (!s.prepared) return Promise.resolve();
      if (key.startsWith('s:')) {
        actions.toggleScope(key.slice(2));
        return Promise.resolve();
      }
      const i = key.startsWith('n:') ? s.prepared.nodeIndex.get(Number(key.slice(2))) : undefined;
      const node = i === undefined ? undefined : s.prepared.info.nodes[i];
      const sub = node?.subgraphs[0];
      return node && sub ? actions.openSubgraph(node, sub.attribute, sub.index) : Promise.resolve();
    },

    /** Searches the current graph; the matches are highlighted. */
    search(query: string): void {
      const p = store.get().prepared;
      if (!p) return;
      const outcome = searchGraph(p, query);
      store.set({ query, matches: outcome.keys, results: outcome.results, resultTotal: outcome.total });
    },
    /** Jumps to a box (a search result, a value's producer): expands scopes that hide it, focuses and selects it. */
    jump(key: string) {
      store.set((s) => {
        if (!s.prepared) return {};
        return { expanded: expandTo(key, s.expanded), focus: key, selection: new Set(membersOf(s.prepared, key)), reveal: s.reveal + 1 };
      });
    },
  };
  return actions;
}

export type Actions = ReturnType<typeof createActions>;
