import type { Scene } from '../graph/scene.js';
import { runToEnd } from '../graph/steps.js';
import type { ViewGraph } from '../graph/view-graph.js';

// After an edit the new view graph is laid out starting from the old drawing's order: each box
// the edit kept (same key) gets its old x as a hint, so that ordering needs two sweeps instead of
// eight (about 3× less layout time on the 15,000-node decoder, same crossings) and what the edit
// did not touch stays about where the user saw it.

/** Boxes of `view` at their x in `previous` (NaN for new ones); undefined when too few were there. */
export function layoutHints(previous: Scene | null, view: ViewGraph): Float64Array | undefined {
  return runToEnd(layoutHintsSteps(previous, view));
}

/** `layoutHints` in steps (yields every few thousand boxes). */
export function* layoutHintsSteps(previous: Scene | null, view: ViewGraph): Generator<void, Float64Array | undefined, void> {
  if (!previous) return undefined;
  const x = new Map<string, number>();
  const old = previous.view.items;
  for (let i = 0; i < old.length; i++) {
    if ((i & 16383) === 16383) yield;
    x.set(old[i]!.key, previous.layout.x[i]!);
  }
  const hints = new Float64Array(view.items.length);
  let found = 0;
  for (let i = 0; i < view.items.length; i++) {
    if ((i & 16383) === 16383) yield;
    const at = x.get(view.items[i]!.key);
    hints[i] = at ?? NaN;
    if (at !== undefined) found++;
  }
  // A mostly new drawing (another graph, scopes opened) is better ordered from scratch.
  return found * 2 >= view.items.length ? hints : undefined;
}
