import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { EditHistory, OperationInfo, OperationList, OperationPreview } from '../../shared/protocol/operations-api.js';
import type { PreparedGraph } from '../graph/view-graph.js';
import { createStore, type Store } from '../state/store.js';

// The editing part of the app's state, beside app-state.ts: the operations that apply to the
// selection, the preview shown, the history and its verification jobs, and the last error.

/** A preview on screen: which operation, with which options, and what its dry run found. */
export interface ShownPreview {
  op: OperationInfo;
  options: Record<string, unknown>;
  selection: number[] | undefined;
  result: OperationPreview;
  /** Nodes it would remove or change, marked on the graph. */
  nodes: ReadonlySet<number>;
}

/** The graph's context menu: at a point, for one node, with what applies to it. */
export interface ContextMenuState {
  x: number;
  y: number;
  nodeId: number;
  operations: OperationInfo[] | null;
}

export interface EditState {
  /** What applies to the selection (or the whole graph), with the selection it was listed for. */
  operations: OperationList | null;
  listing: boolean;
  /** Also list operations that change nothing here or need options only the user can give. */
  showAll: boolean;
  preview: ShownPreview | null;
  history: EditHistory | null;
  /** Latest progress of each running job. */
  jobs: ReadonlyMap<string, ProgressEvent>;
  busy: string | null;
  /** The last refused request, as one line; nothing changed. */
  error: string | null;
  /** The graph an edit re-prepared: the view keeps its zoom and place for it. */
  editedGraph: PreparedGraph | null;
  menu: ContextMenuState | null;
}

export type EditStore = Store<EditState>;

/** A store with nothing listed. */
export function createEditStore(): EditStore {
  return createStore<EditState>({
    operations: null,
    listing: false,
    showAll: false,
    preview: null,
    history: null,
    jobs: new Map(),
    busy: null,
    error: null,
    editedGraph: null,
    menu: null,
  });
}
