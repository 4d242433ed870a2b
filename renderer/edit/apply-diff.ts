import type { GraphDiff } from '../../shared/protocol/operations-api.js';
import type { PreparedGraph } from '../graph/view-graph.js';

// Where the user was, carried across an edit: the graph is re-read and re-prepared, and the
// expanded scopes, selection and focus are mapped onto it through the step's diff, so that the
// view stays where it was instead of reopening.

/** The part of the app's state an edit carries over. */
export interface Place {
  expanded: ReadonlySet<string>;
  selection: ReadonlySet<number>;
  focus: string | null;
}

/**
 * The place on the edited graph: scopes still present stay expanded (and scopes that only the
 * edit brought in are expanded, so added nodes are in sight); removed nodes leave the selection,
 * and a focus on a removed node or vanished scope is dropped.
 */
export function placeAfterEdit(before: Place, old: PreparedGraph | null, next: PreparedGraph, diff: GraphDiff): Place {
  const paths = new Set(next.tree.paths);
  const oldPaths = new Set(old?.tree.paths ?? []);
  const expanded = new Set([...before.expanded].filter((p) => paths.has(p)));
  for (const p of next.tree.paths) if (p && !oldPaths.has(p)) expanded.add(p);
  const removed = new Set(diff.removed);
  const selection = new Set([...before.selection].filter((id) => !removed.has(id) && next.nodeIndex.has(id)));
  let focus = before.focus;
  if (focus?.startsWith('n:') && !next.nodeIndex.has(Number(focus.slice(2)))) focus = null;
  if (focus?.startsWith('s:') && !paths.has(focus.slice(2))) focus = null;
  return { expanded, selection, focus };
}
