/** A d3-zoom transform: screen = graph × k + (x, y). */
export interface ViewTransform {
  x: number;
  y: number;
  k: number;
}

// Where the view starts and what "fit" means. A graph that fits at a readable scale is shown
// whole; a tall one (transformers are thousands of ranks deep) opens at its top, as wide as the
// window allows, so the first screen is readable rather than a sliver.

const MARGIN = 16;

/** The transform that shows the whole graph, centred. */
export function fitTransform(width: number, height: number, viewW: number, viewH: number, maxScale = 1.5): ViewTransform {
  const k = Math.min(maxScale, (viewW - 2 * MARGIN) / Math.max(1, width), (viewH - 2 * MARGIN) / Math.max(1, height));
  return { k, x: (viewW - width * k) / 2, y: (viewH - height * k) / 2 };
}

/** The transform a graph opens with. */
export function initialTransform(width: number, height: number, viewW: number, viewH: number): ViewTransform {
  const fit = fitTransform(width, height, viewW, viewH, 1.25);
  if (fit.k >= 0.5) return fit;
  const k = Math.max(fit.k, Math.min(1, (viewW - 2 * MARGIN) / Math.max(1, width)), 0.35);
  const x = width * k < viewW ? (viewW - width * k) / 2 : MARGIN;
  return { k, x, y: MARGIN };
}

/** The transform that puts graph point (gx, gy) at the centre of the view, at scale k. */
export function centreOn(gx: number, gy: number, k: number, viewW: number, viewH: number): ViewTransform {
  return { k, x: viewW / 2 - gx * k, y: viewH / 2 - gy * k };
}

/** True when a graph-space box lies wholly inside the view. */
export function inView(t: ViewTransform, viewW: number, viewH: number, x0: number, y0: number, x1: number, y1: number): boolean {
  return x0 * t.k + t.x >= 0 && y0 * t.k + t.y >= 0 && x1 * t.k + t.x <= viewW && y1 * t.k + t.y <= viewH;
}
