// The input and output of the layered layout. Flat typed arrays, so that a graph of 100,000
// nodes crosses to and from the layout worker by transfer instead of by copying objects.

/** A directed graph to lay out: node i has size widths[i] × heights[i]; edge j runs sources[j] → targets[j]. */
export interface LayoutInput {
  widths: Float64Array;
  heights: Float64Array;
  sources: Int32Array;
  targets: Int32Array;
  /** Where each edge leaves its source: x offset from the source's centre (a port per output value); omitted, 0. */
  sourceOffsets?: Float64Array;
  /** Width of each edge's label (0: no label); omitted, no labels are placed. */
  labelWidths?: Float64Array;
  /**
   * Each node's x in an earlier layout of much the same graph (NaN: not in it), as after an edit:
   * ordering starts from that order and needs fewer sweeps (see LayoutOptions.hintedSweeps), and
   * what did not change stays where the user saw it.
   */
  hints?: Float64Array;
}

/** Spacing and effort; every field has a default. */
export interface LayoutOptions {
  /** Horizontal gap between neighbouring nodes of a rank. */
  nodeGap?: number;
  /** Vertical gap between ranks (room for edge labels). */
  rankGap?: number;
  /** Margin around the drawing. */
  margin?: number;
  /** Barycenter sweeps (down + up counts as two); fewer are used on very large graphs. */
  orderSweeps?: number;
  /** Barycenter sweeps when starting from `hints` (default 2). */
  hintedSweeps?: number;
  /** Coordinate-assignment sweeps. */
  positionSweeps?: number;
  /** Most dummy nodes (per node of the graph) spent on long edges; edges past it are drawn straight. */
  dummyBudgetPerNode?: number;
  /** Height of an edge label's box. */
  labelHeight?: number;
}

/** Where everything went. Coordinates are node centers; y grows downward. */
export interface LayoutResult {
  x: Float64Array;
  y: Float64Array;
  /** Rank (layer) of each node: every kept edge goes from a lower to a higher rank. */
  rank: Int32Array;
  /** Position of each node within its rank, left to right. */
  order: Int32Array;
  /** Edge j's polyline is points[2*pointStart[j] .. 2*pointStart[j+1]) as x, y pairs, from source to target. */
  points: Float64Array;
  pointStart: Int32Array;
  /**
   * Edges leaving one node share their first points (a bus down to the farthest consumer); an
   * edge needs drawing only from its point drawFrom[j] on, the longest one from 0.
   */
  drawFrom: Int32Array;
  /** Edges the layout reversed to break a cycle (their polyline still runs source → target). */
  reversed: Uint8Array;
  /**
   * Edge label boxes (labelWidths[j] × labelHeight): left edge and vertical centre, NaN for an
   * edge without a label or whose label found no place clear of nodes and other labels.
   */
  labelX: Float64Array;
  labelY: Float64Array;
  width: number;
  height: number;
  /** Counts for reports: ranks, dummy nodes, crossings after ordering, and edges left unrouted. */
  stats: { ranks: number; dummies: number; crossings: number; straightEdges: number; droppedLabels: number };
}

/** Progress the layout reports between its steps. */
export interface LayoutProgress {
  phase: 'rank' | 'order' | 'position' | 'route' | 'labels';
  /** 0..1 over the whole layout. */
  fraction: number;
}

/** Thrown when a layout is cancelled between two of its steps. */
export class LayoutCancelled extends Error {
  constructor() {
    super('layout cancelled');
    this.name = 'LayoutCancelled';
  }
}
