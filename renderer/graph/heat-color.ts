import { interpolateYlOrRd } from 'd3';

// Colours of the profile heat map: pale yellow (little time) to dark red (the hottest box).
// Quantized, so that the canvas fills boxes in a few batches of one colour each.

const STEPS = 16;
const PALETTE = Array.from({ length: STEPS + 1 }, (_, k) => interpolateYlOrRd(0.05 + (0.75 * k) / STEPS));

/** Boxes the profile has no time for (inputs, outputs, constants folded away). */
export const NO_HEAT_COLOR = '#a8a8a8';

/** The fill for a heat value (0..1, relative to the hottest box); NaN: no time measured. */
export function heatColor(v: number): string {
  if (!(v >= 0)) return NO_HEAT_COLOR;
  return PALETTE[Math.round(Math.min(1, v) * STEPS)];
}
