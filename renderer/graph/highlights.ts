import type { ViewGraph } from './view-graph.js';

// Which boxes to emphasise, from app state (node ids and box keys) to per-box flags. A node
// hidden in a collapsed scope lights up its scope's box.

/** What to emphasise, as flags per box, and the focused box (-1 for none). */
export interface Highlights {
  selected: Uint8Array;
  matched: Uint8Array;
  focus: number;
  /** Profile heat map: per box, its time relative to the hottest box (0..1), NaN where none was measured; absent or null: no heat map. */
  heat?: Float32Array | null;
  /** Boxes an operation's preview would remove or change (absent: no preview shown). */
  preview?: Uint8Array;
  /** A comparison's graph diff: DIFF_CHANGED or DIFF_ADDED per box (absent: none shown). */
  diff?: Uint8Array;
}

/** Flags of Highlights.diff. */
export const DIFF_CHANGED = 1;
export const DIFF_ADDED = 2;

/** The box showing a key: the node's own box, or the collapsed scope holding it; -1 if none. */
export function itemIndexOfKey(view: ViewGraph, key: string): number {
  const direct = view.keyIndex.get(key);
  if (direct !== undefined) return direct;
  if (key.startsWith('n:')) {
    const i = view.prepared.nodeIndex.get(Number(key.slice(2)));
    if (i !== undefined) return view.itemOfNode[i];
  }
  return -1;
}

export function highlightsOf(view: ViewGraph, selection: ReadonlySet<number>, matches: ReadonlySet<string>, focus: string | null): Highlights {
  const selected = new Uint8Array(view.items.length);
  for (const id of selection) {
    const i = view.prepared.nodeIndex.get(id);
    if (i !== undefined && view.itemOfNode[i] >= 0) selected[view.itemOfNode[i]] = 1;
  }
  const matched = new Uint8Array(view.items.length);
  for (const key of matches) {
    const i = itemIndexOfKey(view, key);
    if (i >= 0) matched[i] = 1;
  }
  return { selected, matched, focus: focus ? itemIndexOfKey(view, focus) : -1 };
}

/** Sets `flag` on the boxes showing the nodes `ids` (a node in a collapsed scope: the scope's box). */
export function flagBoxes(view: ViewGraph, ids: Iterable<number>, flag: number, into: Uint8Array = new Uint8Array(view.items.length)): Uint8Array {
  for (const id of ids) {
    const i = view.prepared.nodeIndex.get(id);
    if (i !== undefined && view.itemOfNode[i] >= 0) into[view.itemOfNode[i]] = flag;
  }
  return into;
}

/** Marks the boxes showing the nodes a preview would remove or change. */
export function withPreview(view: ViewGraph, h: Highlights, nodes: ReadonlySet<number> | null): Highlights {
  if (!nodes || nodes.size === 0) return h;
  return { ...h, preview: flagBoxes(view, nodes, 1) };
}
