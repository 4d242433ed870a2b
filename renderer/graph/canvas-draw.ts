import { boxesByColor } from './box-colors.js';
import { DIFF_ADDED, DIFF_CHANGED, type Highlights } from './highlights.js';
import type { Scene } from './scene.js';
import { EDGE_LABEL_FONT, edgeLabelWidth } from './value-labels.js';
import { LINE_HEIGHT } from './view-graph.js';
import * as theme from './theme.js';
import type { ViewTransform } from './viewport.js';

// Draws a scene on a canvas with level of detail: only what intersects the viewport; boxes and
// straight edges when zoomed out; rounded boxes, labels, edge labels and arrowheads when zoomed
// in. Edges that share a source's bus are drawn from where they leave it.


function fillBoxes(ctx: CanvasRenderingContext2D, scene: Scene, visible: number[], near: boolean, minSize: number, heat: Float32Array | null): void {
  const { items } = scene.view;
  const { x, y } = scene.layout;
  for (const [color, list] of boxesByColor(scene, visible, heat)) {
    ctx.fillStyle = color;
    ctx.beginPath();
    for (const i of list) {
      const w = Math.max(items[i].width, minSize);
      const h = Math.max(items[i].height, minSize);
      if (near) ctx.roundRect(x[i] - w / 2, y[i] - h / 2, w, h, items[i].kind === 'input' || items[i].kind === 'output' ? h / 2 : 4);
      else ctx.rect(x[i] - w / 2, y[i] - h / 2, w, h);
    }
    ctx.fill();
  }
}

function edgePath(ctx: CanvasRenderingContext2D, scene: Scene, j: number, whole: boolean): void {
  const { points, pointStart, drawFrom } = scene.layout;
  const start = pointStart[j] + (whole ? 0 : drawFrom[j]);
  const end = pointStart[j + 1];
  ctx.moveTo(points[2 * start], points[2 * start + 1]);
  for (let k = start + 1; k < end; k++) ctx.lineTo(points[2 * k], points[2 * k + 1]);
}

function arrowHead(ctx: CanvasRenderingContext2D, scene: Scene, j: number): void {
  const { points, pointStart } = scene.layout;
  const e = pointStart[j + 1] - 1;
  const tx = points[2 * e];
  const ty = points[2 * e + 1];
  const px = points[2 * e - 2];
  const py = points[2 * e - 1];
  const len = Math.hypot(tx - px, ty - py) || 1;
  const ux = (tx - px) / len;
  const uy = (ty - py) / len;
  ctx.moveTo(tx, ty);
  ctx.lineTo(tx - 7 * ux + 3.5 * uy, ty - 7 * uy - 3.5 * ux);
  ctx.lineTo(tx - 7 * ux - 3.5 * uy, ty - 7 * uy + 3.5 * ux);
  ctx.closePath();
}

/** Rectangles a frame drew, in CSS pixels of the canvas (x0, y0, x1, y1 in turn). */
export interface DrawnGeometry {
  labels: number[];
  boxes: number[];
  /** Names of collapsed scopes drawn beside their boxes when zoomed out. */
  names: number[];
}

/** Draws the visible part of a scene; returns how many boxes were drawn. `drawn` collects what went where. */
export function drawScene(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  t: ViewTransform,
  width: number,
  height: number,
  dpr: number,
  h: Highlights,
  drawn?: DrawnGeometry,
): number {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
  const vx0 = -t.x / t.k;
  const vy0 = -t.y / t.k;
  const vx1 = (width - t.x) / t.k;
  const vy1 = (height - t.y) / t.k;
  const near = t.k >= theme.LABEL_SCALE;
  const px = 1 / t.k;
  const { items, edges } = scene.view;
  const { x, y } = scene.layout;

  if (t.k >= theme.FRAME_SCALE) {
    ctx.lineWidth = px;
    ctx.strokeStyle = theme.FRAME_STROKE;
    for (const f of scene.frames) {
      if (f.x1 < vx0 || f.x0 > vx1 || f.y1 < vy0 || f.y0 > vy1) continue;
      ctx.strokeRect(f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    }
  }

  // Edges: plain ones in one path, implicit (subgraph) reads dashed, and those touching a
  // selected box last, on top.
  const active: number[] = [];
  const implicit: number[] = [];
  ctx.beginPath();
  for (let j = 0; j < edges.length; j++) {
    const b = 4 * j;
    if (scene.edgeBox[b + 2] < vx0 || scene.edgeBox[b] > vx1 || scene.edgeBox[b + 3] < vy0 || scene.edgeBox[b + 1] > vy1) continue;
    if (h.selected[edges[j].source] || h.selected[edges[j].target]) active.push(j);
    else if (edges[j].implicit) implicit.push(j);
    else edgePath(ctx, scene, j, false);
  }
  ctx.strokeStyle = theme.EDGE_COLOR;
  ctx.lineWidth = Math.max(px, near ? 1.2 : px);
  ctx.stroke();
  if (implicit.length) {
    ctx.beginPath();
    for (const j of implicit) edgePath(ctx, scene, j, false);
    ctx.setLineDash([5 * px, 3 * px]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (active.length) {
    ctx.beginPath();
    for (const j of active) edgePath(ctx, scene, j, true);
    ctx.strokeStyle = theme.EDGE_ACTIVE;
    ctx.lineWidth = 2 * Math.max(px, 1);
    ctx.stroke();
  }

  const visible: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const hw = items[i].width / 2;
    const hh = items[i].height / 2;
    if (x[i] + hw >= vx0 && x[i] - hw <= vx1 && y[i] + hh >= vy0 && y[i] - hh <= vy1) visible.push(i);
  }
  fillBoxes(ctx, scene, visible, near, 2 * px, h.heat ?? null);

  if (!near) {
    // Zoomed out, collapsed scopes keep an outline so that a column of them reads as boxes.
    ctx.beginPath();
    for (const i of visible) if (items[i].kind === 'scope') ctx.rect(x[i] - items[i].width / 2, y[i] - items[i].height / 2, items[i].width, items[i].height);
    ctx.strokeStyle = theme.NODE_STROKE;
    ctx.lineWidth = px;
    ctx.stroke();
  }
  if (near) {
    ctx.beginPath();
    for (let j = 0; j < edges.length; j++) {
      const tgt = edges[j].target;
      if (x[tgt] >= vx0 && x[tgt] <= vx1 && y[tgt] >= vy0 && y[tgt] <= vy1) arrowHead(ctx, scene, j);
    }
    ctx.fillStyle = theme.EDGE_COLOR;
    ctx.fill();
    ctx.lineWidth = px;
    ctx.strokeStyle = theme.NODE_STROKE;
    ctx.beginPath();
    for (const i of visible) {
      if (items[i].kind === 'input' || items[i].kind === 'output') continue;
      ctx.roundRect(x[i] - items[i].width / 2, y[i] - items[i].height / 2, items[i].width, items[i].height, 4);
    }
    ctx.stroke();
  }

  // Matches, selection and focus drawn as outlines that stay visible at any zoom.
  // Boxes whose flag is `only` (any non-zero flag when not given).
  const outline = (flag: Uint8Array, color: string, widthPx: number, only?: number) => {
    ctx.beginPath();
    let any = false;
    for (const i of visible) {
      if (only === undefined ? !flag[i] : flag[i] !== only) continue;
      any = true;
      const pad = 2 * px;
      ctx.rect(x[i] - items[i].width / 2 - pad, y[i] - items[i].height / 2 - pad, items[i].width + 2 * pad, items[i].height + 2 * pad);
    }
    if (!any) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = widthPx * px;
    ctx.stroke();
  };
  outline(h.matched, theme.MATCH_FILL, 4);
  if (h.diff) {
    outline(h.diff, theme.DIFF_CHANGED_STROKE, 4, DIFF_CHANGED);
    outline(h.diff, theme.DIFF_ADDED_STROKE, 4, DIFF_ADDED);
  }
  if (h.preview) outline(h.preview, theme.PREVIEW_STROKE, 4);
  outline(h.selected, theme.SELECTED_STROKE, 2.5);
  if (h.focus >= 0 && h.focus < items.length) {
    const i = h.focus;
    ctx.setLineDash([4 * px, 3 * px]);
    ctx.strokeStyle = theme.FOCUS_STROKE;
    ctx.lineWidth = 1.5 * px;
    ctx.strokeRect(x[i] - items[i].width / 2 - 5 * px, y[i] - items[i].height / 2 - 5 * px, items[i].width + 10 * px, items[i].height + 10 * px);
    ctx.setLineDash([]);
  }

  if (near) drawLabels(ctx, scene, visible, t, vx0, vx1, vy0, vy1, drawn);
  if (t.k < theme.SCOPE_NAME_SCALE) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawScopeNames(ctx, scene, visible, t, width, drawn);
  }
  if (drawn) {
    for (const i of visible) {
      const hw = items[i].width / 2;
      const hh = items[i].height / 2;
      drawn.boxes.push((x[i] - hw) * t.k + t.x, (y[i] - hh) * t.k + t.y, (x[i] + hw) * t.k + t.x, (y[i] + hh) * t.k + t.y);
    }
  }
  return visible.length;
}

/** A collapsed scope's name as it reads beside its box when zoomed out: `layer.3 · 412`. */
export function scopeName(item: { label: string; lines: string[] }): string {
  return `${item.label} · ${item.lines[0]?.split(' ')[0] ?? ''}`;
}

/**
 * Zoomed out, a collapsed scope's box is too small for its name: the name (and node count) goes
 * beside it in screen pixels, at a readable size, biggest scopes first, skipping names that would
 * cover one already drawn. Boxes under SCOPE_NAME_MIN_PX on screen get none.
 */
function drawScopeNames(ctx: CanvasRenderingContext2D, scene: Scene, visible: number[], t: ViewTransform, width: number, drawn?: DrawnGeometry): void {
  const { items } = scene.view;
  const { x, y } = scene.layout;
  const { total } = scene.view.prepared.tree;
  const scopes = visible.filter((i) => items[i].kind === 'scope' && items[i].height * t.k >= theme.SCOPE_NAME_MIN_PX);
  if (!scopes.length) return;
  scopes.sort((a, b) => total[items[b].scope] - total[items[a].scope] || a - b);
  const size = theme.SCOPE_NAME_PX;
  ctx.font = `${size}px ${theme.FONT_FAMILY}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = theme.NAME_HALO;
  ctx.fillStyle = theme.LABEL_COLOR;
  const taken: number[] = [];
  for (const i of scopes) {
    const text = scopeName(items[i]);
    const w = text.length * size * 0.62;
    const right = (x[i] + items[i].width / 2) * t.k + t.x;
    const sx = Math.min(right + 3, width - w - 2);
    const sy = y[i] * t.k + t.y;
    const box = [sx - 1, sy - size / 2 - 1, sx + w + 1, sy + size / 2 + 1];
    let free = true;
    for (let k = 0; k < taken.length && free; k += 4) free = !(taken[k] < box[2] && taken[k + 2] > box[0] && taken[k + 1] < box[3] && taken[k + 3] > box[1]);
    if (!free) continue;
    taken.push(...box);
    ctx.strokeText(text, sx, sy);
    ctx.fillText(text, sx, sy);
    drawn?.names.push(...box);
  }
}

function drawLabels(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  visible: number[],
  t: ViewTransform,
  vx0: number,
  vx1: number,
  vy0: number,
  vy1: number,
  drawn: DrawnGeometry | undefined,
): void {
  const { items, edges } = scene.view;
  const { x, y } = scene.layout;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const i of visible) {
    const item = items[i];
    // Scope names too small inside their boxes are drawn beside them (drawScopeNames).
    if (item.kind === 'scope' && t.k < theme.SCOPE_NAME_SCALE) continue;
    const top = y[i] - item.height / 2;
    ctx.fillStyle = item.kind === 'input' || item.kind === 'output' ? theme.IO_TEXT : theme.LABEL_COLOR;
    ctx.font = `${item.kind === 'node' ? 'bold ' : ''}11px ${theme.FONT_FAMILY}`;
    ctx.fillText(item.label, x[i], item.lines.length || item.caption || item.kind === 'scope' ? top + 12 : y[i]);
    if (item.kind === 'scope') ctx.fillText('+', x[i] + item.width / 2 - 9, top + 12);
    if (item.caption) {
      ctx.font = `italic 10px ${theme.FONT_FAMILY}`;
      ctx.fillText(item.caption, x[i], top + 26);
    }
    if (item.lines.length) {
      ctx.font = `10px ${theme.FONT_FAMILY}`;
      const first = top + 26 + (item.caption ? LINE_HEIGHT : 0);
      item.lines.forEach((line, k) => ctx.fillText(line, x[i], first + LINE_HEIGHT * k));
    }
  }
  if (t.k < theme.EDGE_LABEL_SCALE) return;
  ctx.textAlign = 'left';
  ctx.fillStyle = theme.EDGE_LABEL_COLOR;
  const h = theme.EDGE_LABEL_HEIGHT / 2;
  for (let j = 0; j < edges.length; j++) {
    const lx = scene.labelX[j];
    const ly = scene.labelY[j];
    if (Number.isNaN(lx) || lx < vx0 - 400 || lx > vx1 || ly < vy0 - h || ly > vy1 + h) continue;
    ctx.font = `${edges[j].inferred ? 'italic ' : ''}${EDGE_LABEL_FONT}px ${theme.FONT_FAMILY}`;
    ctx.fillText(edges[j].label, lx + 1, ly);
    // What was drawn, in CSS pixels of the canvas, for tests that check labels against boxes.
    if (drawn) drawn.labels.push(lx * t.k + t.x, (ly - h) * t.k + t.y, (lx + edgeLabelWidth(edges[j].label)) * t.k + t.x, (ly + h) * t.k + t.y);
  }
}
