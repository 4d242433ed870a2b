import type { LayoutResult } from '../../shared/layout/index.js';
import { runToEnd } from './steps.js';
import { LINE_HEIGHT, type ViewGraph } from './view-graph.js';

// A laid-out view graph ready to draw: frames around expanded scopes of two or more boxes, edge
// bounding boxes for culling, and hit testing (boxes, and constants drawn inside them). Edge
// labels were placed by the layout (one per value leaving a box, clear of nodes and each other). Pure.

/** A frame drawn around the boxes of an expanded scope. */
export interface ScopeFrame {
  path: string;
  label: string;
  depth: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Scene {
  view: ViewGraph;
  layout: LayoutResult;
  width: number;
  height: number;
  /** Left edge and vertical centre of each edge's label; NaN where it has none (another edge carries the value's label, or no room). */
  labelX: Float64Array;
  labelY: Float64Array;
  /** Bounding box of each edge: x0, y0, x1, y1. */
  edgeBox: Float64Array;
  frames: ScopeFrame[];
}

/** A rectangle in graph coordinates. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const FRAME_PAD = 10;

/**
 * Item indices by the top of their box: ranks in order (a counting sort: the ranks' boxes do not
 * overlap vertically, so rank order is top order), each rank sorted by top. A comparison sort of
 * all 100,000 items at once was one task of a few hundred milliseconds.
 */
function* itemsByTop(view: ViewGraph, layout: LayoutResult): Generator<void, Int32Array, void> {
  const n = view.items.length;
  let ranks = 0;
  for (let i = 0; i < n; i++) ranks = Math.max(ranks, layout.rank[i] + 1);
  const start = new Int32Array(ranks + 1);
  for (let i = 0; i < n; i++) start[layout.rank[i] + 1]++;
  for (let r = 0; r < ranks; r++) start[r + 1] += start[r];
  const fill = start.slice(0, ranks);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[fill[layout.rank[i]]++] = i;
  const top = (i: number) => layout.y[i] - view.items[i].height / 2;
  for (let r = 0; r < ranks; r++) {
    if ((r & 1023) === 1023) yield;
    if (start[r + 1] - start[r] > 1) out.subarray(start[r], start[r + 1]).sort((a, b) => top(a) - top(b));
  }
  return out;
}

function* scopeFrames(view: ViewGraph, layout: LayoutResult): Generator<void, ScopeFrame[], void> {
  const { tree } = view.prepared;
  const count = tree.paths.length;
  const box = new Float64Array(count * 4).fill(NaN);
  for (let i = 0; i < view.items.length; i++) {
    if ((i & 8191) === 8191) yield;
    const item = view.items[i];
    if (item.kind !== 'node' && item.kind !== 'scope') continue;
    const x0 = layout.x[i] - item.width / 2;
    const x1 = layout.x[i] + item.width / 2;
    const y0 = layout.y[i] - item.height / 2;
    const y1 = layout.y[i] + item.height / 2;
    let s = item.kind === 'scope' ? tree.parent[item.scope] : tree.scopeOf[item.nodeIndex];
    for (; s > 0; s = tree.parent[s]) {
      const b = 4 * s;
      box[b] = Number.isNaN(box[b]) ? x0 : Math.min(box[b], x0);
      box[b + 1] = Number.isNaN(box[b + 1]) ? y0 : Math.min(box[b + 1], y0);
      box[b + 2] = Number.isNaN(box[b + 2]) ? x1 : Math.max(box[b + 2], x1);
      box[b + 3] = Number.isNaN(box[b + 3]) ? y1 : Math.max(box[b + 3], y1);
    }
  }
  // The layout does not keep a scope's boxes together; a frame that would enclose many boxes of
  // other scopes misleads more than it helps, so such frames are left out.
  const byTop = yield* itemsByTop(view, layout);
  const tops = Float64Array.from(byTop, (i) => layout.y[i] - view.items[i].height / 2);
  const scopeOfItem = (i: number) => (view.items[i].kind === 'node' ? tree.scopeOf[view.items[i].nodeIndex] : view.items[i].kind === 'scope' ? view.items[i].scope : -1);
  const inside = (i: number, s: number) => {
    for (let t = scopeOfItem(i); t > 0; t = tree.parent[t]) if (t === s) return true;
    return false;
  };
  let budget = 2_000_000;
  const frames: ScopeFrame[] = [];
  for (let s = 1; s < count; s++) {
    if ((s & 1023) === 1023) yield;
    if (Number.isNaN(box[4 * s]) || view.boxesInScope[s] < 2) continue;
    const childScopes = tree.childStart[s + 1] - tree.childStart[s];
    // A scope that only wraps one other scope would draw the same frame twice.
    if (childScopes === 1 && tree.items[s] === 1) continue;
    const [x0, y0, x1, y1] = [box[4 * s], box[4 * s + 1], box[4 * s + 2], box[4 * s + 3]];
    let members = 0;
    let foreign = 0;
    let lo = 0;
    let hi = tops.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tops[mid] < y0 - 1000) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < tops.length && tops[k] <= y1 && budget > 0; k++, budget--) {
      // A scope as tall as the graph scans most of it: yield within it too (no task over ~30 ms on 100,000 nodes).
      if ((budget & 16383) === 0) yield;
      const i = byTop[k];
      const item = view.items[i];
      const bottom = layout.y[i] + item.height / 2;
      if (bottom < y0 || layout.x[i] + item.width / 2 < x0 || layout.x[i] - item.width / 2 > x1) continue;
      if (inside(i, s)) members++;
      else foreign++;
    }
    if (foreign > Math.max(1, members / 5)) continue;
    const pad = FRAME_PAD + 2 * Math.max(0, 4 - tree.depth[s]);
    const path = tree.paths[s];
    frames.push({
      path,
      label: path.slice(path.lastIndexOf('/') + 1),
      depth: tree.depth[s],
      x0: x0 - pad,
      y0: y0 - pad - 8,
      x1: x1 + pad,
      y1: y1 + pad,
    });
  }
  return frames.sort((a, b) => a.depth - b.depth);
}

/** Builds the scene of a view graph and its layout. */
export function buildScene(view: ViewGraph, layout: LayoutResult): Scene {
  return runToEnd(buildSceneSteps(view, layout));
}

/** `buildScene` in steps (yields every few thousand edges). */
export function* buildSceneSteps(view: ViewGraph, layout: LayoutResult): Generator<void, Scene, void> {
  const m = view.edges.length;
  const edgeBox = new Float64Array(m * 4);
  for (let j = 0; j < m; j++) {
    if ((j & 8191) === 8191) yield;
    const from = layout.pointStart[j];
    const to = layout.pointStart[j + 1];
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let k = from; k < to; k++) {
      const x = layout.points[2 * k];
      const y = layout.points[2 * k + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    edgeBox.set([x0, y0, x1, y1], 4 * j);
  }
  const frames = yield* scopeFrames(view, layout);
  return { view, layout, width: layout.width, height: layout.height, labelX: layout.labelX, labelY: layout.labelY, edgeBox, frames };
}

/** The box at a point of the graph, or -1. */
export function itemAt(scene: Scene, x: number, y: number, slack = 0): number {
  const { items } = scene.view;
  const { layout } = scene;
  for (let i = items.length - 1; i >= 0; i--) {
    if (Math.abs(x - layout.x[i]) <= items[i].width / 2 + slack && Math.abs(y - layout.y[i]) <= items[i].height / 2 + slack) return i;
  }
  return -1;
}

/** Top of the first line of text under a box's label (its caption, then its lines). */
export const FIRST_LINE_TOP = 20;

/** The Constant node (index in info.nodes) whose line inside box `i` is at a point, or -1. */
export function constantAt(scene: Scene, i: number, x: number, y: number): number {
  const item = scene.view.items[i];
  if (!item || Math.abs(x - scene.layout.x[i]) > item.width / 2) return -1;
  const top = scene.layout.y[i] - item.height / 2 + FIRST_LINE_TOP + (item.caption ? LINE_HEIGHT : 0);
  const k = Math.floor((y - top) / LINE_HEIGHT);
  return k >= 0 && k < item.lineNodes.length ? item.lineNodes[k] : -1;
}

/** Boxes that intersect a rectangle, in item order (at most `cap`). */
export function itemsIn(scene: Scene, r: Rect, cap = Infinity): number[] {
  const { items } = scene.view;
  const { layout } = scene;
  const out: number[] = [];
  for (let i = 0; i < items.length && out.length < cap; i++) {
    const hw = items[i].width / 2;
    const hh = items[i].height / 2;
    if (layout.x[i] + hw >= r.x0 && layout.x[i] - hw <= r.x1 && layout.y[i] + hh >= r.y0 && layout.y[i] - hh <= r.y1) out.push(i);
  }
  return out;
}
