import type { ViewEdge } from './view-graph.js';

// Arrow keys move between boxes along the graph: down to a consumer, up to a producer (the one
// closest in x), left and right to the nearest box of the same rank.

export type Direction = 'up' | 'down' | 'left' | 'right';

/** Positions the navigation needs, as the layout gives them. */
export interface NavLayout {
  x: ArrayLike<number>;
  rank: ArrayLike<number>;
}

/** The box an arrow key moves to from `from` (the top-left box when nothing is focused), or null. */
export function neighbourItem(edges: readonly ViewEdge[], layout: NavLayout, count: number, from: number | null, direction: Direction): number | null {
  if (count === 0) return null;
  if (from === null || from < 0 || from >= count) {
    let best = 0;
    for (let i = 1; i < count; i++) {
      if (layout.rank[i] < layout.rank[best] || (layout.rank[i] === layout.rank[best] && layout.x[i] < layout.x[best])) best = i;
    }
    return best;
  }
  const x0 = layout.x[from];
  let best = -1;
  let bestScore = Infinity;
  const consider = (i: number, score: number) => {
    if (i !== from && (score < bestScore || (score === bestScore && i < best))) {
      best = i;
      bestScore = score;
    }
  };
  if (direction === 'down' || direction === 'up') {
    for (const e of edges) {
      const other = direction === 'down' ? (e.source === from ? e.target : -1) : e.target === from ? e.source : -1;
      if (other >= 0) consider(other, Math.abs(layout.x[other] - x0) + 1e-3 * Math.abs(layout.rank[other] - layout.rank[from]));
    }
  } else {
    const r = layout.rank[from];
    for (let i = 0; i < count; i++) {
      if (layout.rank[i] !== r) continue;
      const dx = layout.x[i] - x0;
      if (direction === 'left' ? dx < 0 : dx > 0) consider(i, Math.abs(dx));
    }
  }
  return best >= 0 ? best : null;
}
