import type { Routes } from './route.js';

// Edge labels placed so that none overlaps a node box or another label. A label sits beside its
// edge (right, else left of the line), as near the edge's source as it finds room: candidates
// walk down the polyline in small steps. Node boxes and placed labels go into a uniform grid, so
// each test looks at a few cells. A label with no free place on its whole edge is dropped (the
// renderer keeps its text on hover). Boxes are in graph coordinates, so what does not overlap at
// one zoom does not overlap at any.

/** Where labels went: the left edge and the vertical centre of each label's box, NaN where none. */
export interface LabelPlacement {
  labelX: Float64Array;
  labelY: Float64Array;
  /** Labels asked for that found no free place. */
  dropped: number;
}

const CELL = 64;
/** Room kept between a label and a node box, and between two labels. */
const NODE_MARGIN = 2;
const LABEL_MARGIN = 1;
/** Gap between the edge line and the label, and the step between candidates along the edge. */
const SIDE_GAP = 3;
const STEP = 2;
const MAX_CANDIDATES = 240;
/** Right of the line, left of it, then across it (the text then hides a bit of the line, never a node or a label). */
const SIDES = [1, -1, 0] as const;
/** An edge heading left takes its label on its left first: the outer side of a fan-out. */
const SIDES_LEFTWARD = [-1, 1, 0] as const;

class BoxGrid {
  private readonly cells = new Map<number, number[]>();
  readonly boxes: number[] = [];
  private readonly cols: number;

  constructor(width: number) {
    this.cols = Math.max(1, Math.ceil(width / CELL) + 2);
  }

  private key(cx: number, cy: number): number {
    return cy * this.cols + Math.min(this.cols - 1, Math.max(0, cx));
  }

  add(x0: number, y0: number, x1: number, y1: number): void {
    const id = this.boxes.length / 4;
    this.boxes.push(x0, y0, x1, y1);
    for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
      for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        const k = this.key(cx, cy);
        const cell = this.cells.get(k);
        if (cell) {
          if (cell[cell.length - 1] !== id) cell.push(id);
        } else this.cells.set(k, [id]);
      }
    }
  }

  /** True when the box meets none of the stored boxes. */
  free(x0: number, y0: number, x1: number, y1: number): boolean {
    const b = this.boxes;
    for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
      for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        const cell = this.cells.get(this.key(cx, cy));
        if (!cell) continue;
        for (const id of cell) {
          const o = 4 * id;
          if (b[o] < x1 && b[o + 2] > x0 && b[o + 1] < y1 && b[o + 3] > y0) return false;
        }
      }
    }
    return true;
  }
}

/**
 * Places the labels of edges with labelWidths[j] > 0 (each labelHeight high) beside their
 * polylines, clear of the node boxes (centres x, y; sizes widths × heights) and of each other.
 */
export function* placeLabels(
  x: Float64Array,
  y: Float64Array,
  widths: Float64Array,
  heights: Float64Array,
  routes: Pick<Routes, 'points' | 'pointStart'>,
  labelWidths: Float64Array,
  labelHeight: number,
  width: number,
): Generator<void, LabelPlacement, void> {
  const m = labelWidths.length;
  const labelX = new Float64Array(m).fill(NaN);
  const labelY = new Float64Array(m).fill(NaN);
  const grid = new BoxGrid(width);
  for (let v = 0; v < widths.length; v++) {
    const hw = widths[v] / 2 + NODE_MARGIN;
    const hh = heights[v] / 2 + NODE_MARGIN;
    grid.add(x[v] - hw, y[v] - hh, x[v] + hw, y[v] + hh);
  }
  const { points, pointStart } = routes;
  const half = labelHeight / 2;
  let dropped = 0;
  for (let j = 0; j < m; j++) {
    if ((j & 1023) === 1023) yield;
    const w = labelWidths[j];
    if (!(w > 0)) continue;
    let placed = false;
    let tried = 0;
    // Walk the polyline from its start, a candidate every STEP along it.
    let along = half + NODE_MARGIN + 1;
    for (let k = pointStart[j]; k + 1 < pointStart[j + 1] && !placed && tried < MAX_CANDIDATES; k++) {
      const ax = points[2 * k];
      const ay = points[2 * k + 1];
      const bx = points[2 * k + 2];
      const by = points[2 * k + 3];
      const len = Math.hypot(bx - ax, by - ay);
      for (; along <= len && tried < MAX_CANDIDATES; along += STEP, tried++) {
        const px = ax + ((bx - ax) * along) / len;
        const py = ay + ((by - ay) * along) / len;
        const y0 = py - half - LABEL_MARGIN;
        const y1 = py + half + LABEL_MARGIN;
        let at = NaN;
        for (const side of bx < ax - 1 ? SIDES_LEFTWARD : SIDES) {
          const x0 = side === 1 ? px + SIDE_GAP : side === -1 ? px - SIDE_GAP - w : px - w / 2;
          if (!grid.free(x0 - LABEL_MARGIN, y0, x0 + w + LABEL_MARGIN, y1)) continue;
          at = x0;
          break;
        }
        if (Number.isNaN(at)) continue;
        labelX[j] = at;
        labelY[j] = py;
        grid.add(at, py - half, at + w, py + half);
        placed = true;
        break;
      }
      along = Math.max(0, along - len);
    }
    if (!placed) dropped++;
  }
  return { labelX, labelY, dropped };
}
