import { scaleSequential } from 'd3';
import { interpolateRdYlGn } from 'd3';
import type { AppSensitivityReport } from '../../shared/protocol/quantize-api.js';
import type { ViewGraph } from '../graph/view-graph.js';

// SQNR on the graph through the heat highlight the profile uses: the worse a layer's SQNR, the
// hotter its box (SQNR_GOOD dB and above: cold; 0 dB: hottest). Boxes with no measured layer
// stay grey. The bars use a red (low SQNR) to green scale over the same range.

/** SQNR (dB) from which a layer counts as harmless: int8 at its best is near 40 dB. */
export const SQNR_GOOD = 40;

/** How bad an SQNR is, 0 (≥ SQNR_GOOD dB, or equal outputs) to 1 (≤ 0 dB). */
export function badness(sqnrDb: number): number {
  if (!(sqnrDb < SQNR_GOOD)) return 0;
  return Math.min(1, Math.max(0, 1 - sqnrDb / SQNR_GOOD));
}

/** A bar's colour for an SQNR. */
export const sqnrColor = (sqnrDb: number): string => scaleSequential(interpolateRdYlGn).domain([0, SQNR_GOOD]).clamp(true)(Number.isFinite(sqnrDb) ? sqnrDb : sqnrDb > 0 ? SQNR_GOOD : 0);

/** Per box of the view (the quantized state's graph), the badness of the worst layer computed in it; NaN for boxes with none. */
export function sensitivityHeat(view: ViewGraph, ids: ReadonlyMap<string, number>, report: AppSensitivityReport): Float32Array {
  const heat = new Float32Array(view.items.length).fill(Number.NaN);
  for (const layer of report.layers) {
    const id = ids.get(layer.quantNode);
    const i = id === undefined ? undefined : view.prepared.nodeIndex.get(id);
    if (i === undefined || view.itemOfNode[i] < 0) continue;
    const box = view.itemOfNode[i];
    const v = badness(layer.sqnrDb);
    heat[box] = Number.isNaN(heat[box]) ? v : Math.max(heat[box], v);
  }
  return heat;
}

/** An SQNR as the view writes it: +∞ for equal outputs, −∞ for an error where the float value is all zeros. */
export function sqnrText(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dB` : db > 0 ? '∞' : '−∞';
}

/**
 * The quantized nodes computing the K worst layers, as exclude takes them: lowest SQNR first, an
 * error on a float value of zeros (−∞) worst of all; equal outputs (+∞) never count.
 */
export function worstNodes(report: AppSensitivityReport, k: number): string[] {
  const layers = [...report.layers].filter((l) => l.sqnrDb !== Infinity).sort((a, b) => (a.sqnrDb === b.sqnrDb ? 0 : a.sqnrDb - b.sqnrDb));
  return [...new Set(layers.slice(0, Math.max(0, k)).map((l) => l.quantNode))];
}
