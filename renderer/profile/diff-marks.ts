import type { CompareReport } from '../../shared/profile/report-schema.js';
import { DIFF_ADDED, DIFF_CHANGED, flagBoxes } from '../graph/highlights.js';
import type { ViewGraph } from '../graph/view-graph.js';

// A comparison's graph diff on the graph shown: the current state's nodes that are new and those
// that differ from (or fused) the nodes they came from, found by name (reports name nodes).

/** DIFF_CHANGED / DIFF_ADDED per box of the view, for the compared state's changed and added nodes. */
export function diffMarksOf(view: ViewGraph, ids: ReadonlyMap<string, number>, report: CompareReport): Uint8Array {
  const idsOf = (names: readonly string[]) => names.map((n) => ids.get(n)).filter((id): id is number => id !== undefined);
  const marks = flagBoxes(view, idsOf(report.structure.changed), DIFF_CHANGED);
  return flagBoxes(view, idsOf(report.structure.added), DIFF_ADDED, marks);
}
