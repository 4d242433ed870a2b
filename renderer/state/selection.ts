// Selection of nodes (by node id within the current graph). Pure functions, so that the rules
// for click, shift-click, ctrl-click and rubber-band selection can be tested on their own.

/** How a gesture combines with what is selected: replace it, add to it, or toggle. */
export type SelectMode = 'replace' | 'add' | 'toggle';

/** The mode a pointer gesture means: shift adds, ctrl/cmd toggles, plain replaces. */
export function modeOf(e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }): SelectMode {
  if (e.ctrlKey || e.metaKey) return 'toggle';
  return e.shiftKey ? 'add' : 'replace';
}

/**
 * The selection after a gesture on `ids` (the members of one box or of a rubber band). Toggling a
 * group that is wholly selected removes it; otherwise toggling adds the missing members.
 */
export function applySelection(current: ReadonlySet<number>, ids: readonly number[], mode: SelectMode): ReadonlySet<number> {
  if (mode === 'replace') return new Set(ids);
  const next = new Set(current);
  if (mode === 'add') {
    for (const id of ids) next.add(id);
    return next;
  }
  const all = ids.length > 0 && ids.every((id) => current.has(id));
  for (const id of ids) {
    if (all) next.delete(id);
    else next.add(id);
  }
  return next;
}

/** True when two selections hold the same ids. */
export function sameSelection(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const id of a) if (!b.has(id)) return false;
  return true;
}
