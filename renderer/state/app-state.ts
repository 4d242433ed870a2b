import type { GraphInfo, GraphPath, OpenedModelInfo, ProgressEvent } from '../../shared/protocol/backend.js';
import type { PreparedGraph } from '../graph/view-graph.js';
import type { SearchResult } from '../search/search-index.js';
import { createStore, type Store } from './store.js';

// The app's state: the open model, where in it the user is (graph path and breadcrumb), which
// scopes are expanded, what is selected and focused, and what the search highlights.

/** One step of the breadcrumb: the graph reached and how to name it. */
export interface Crumb {
  label: string;
  path: GraphPath;
}

export interface AppState {
  model: OpenedModelInfo | null;
  /** Breadcrumb from the main graph to the graph shown (the last crumb's path is the current path). */
  crumbs: Crumb[];
  graph: GraphInfo | null;
  /** The graph indexed for the view (scopes, producers, values). */
  prepared: PreparedGraph | null;
  /** Scope paths expanded in the current graph. */
  expanded: ReadonlySet<string>;
  /** Selected node ids of the current graph: what later passes (fuse, quantize, prune) apply to. */
  selection: ReadonlySet<number>;
  /** Key of the box the keyboard and the node panel are on (`n:<id>`, `s:<scope>`, `i:<value>`, `o:<value>`). */
  focus: string | null;
  /** Bumped to make the view bring the focused box into sight. */
  reveal: number;
  query: string;
  /** Keys of boxes matching the search. */
  matches: ReadonlySet<string>;
  /** The best matches, for the results list, and how many there are in all. */
  results: SearchResult[];
  resultTotal: number;
  /** What the app is busy with, for the status line. */
  busy: string | null;
  progress: ProgressEvent | null;
  error: string | null;
}

export type AppStore = Store<AppState>;

const EMPTY = new Set<never>();

/** A store with nothing open. */
export function createAppStore(): AppStore {
  return createStore<AppState>({
    model: null,
    crumbs: [],
    graph: null,
    prepared: null,
    expanded: EMPTY,
    selection: EMPTY,
    focus: null,
    reveal: 0,
    query: '',
    matches: EMPTY,
    results: [],
    resultTotal: 0,
    busy: null,
    progress: null,
    error: null,
  });
}

/** The path of the graph shown. */
export function currentPath(state: AppState): GraphPath {
  return state.crumbs.length ? state.crumbs[state.crumbs.length - 1].path : [];
}
