import type { LayoutInput, LayoutOptions, LayoutProgress, LayoutResult } from '../../shared/layout/index.js';

// Messages between the page and the layout worker.

export type ToWorker = { type: 'layout'; id: number; input: LayoutInput; options: LayoutOptions } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: LayoutProgress }
  | { type: 'done'; id: number; result: LayoutResult; ms: number }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };

/** The typed arrays of a result, to transfer instead of copy. */
export function resultBuffers(r: LayoutResult): ArrayBuffer[] {
  return [r.x, r.y, r.rank, r.order, r.points, r.pointStart, r.drawFrom, r.reversed, r.labelX, r.labelY].map((a) => a.buffer as ArrayBuffer);
}
