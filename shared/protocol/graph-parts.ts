import { WorkbenchError } from '../errors.js';
import type { GraphInfo } from './backend.js';

// A graph crosses the transport in parts: a 100,000-node graph is tens of megabytes of JSON, and
// parsing (and checking) it in one piece is a task of several hundred milliseconds on the page's
// thread. Parts of a few thousand nodes, values and initializers each parse in a few tens of
// milliseconds, and the page stays responsive between them while the next one is fetched.

/** Nodes, values and initializers per part (each list is cut at this size). */
export const GRAPH_PART_ITEMS = 8192;

/** One part of a graph: the small fields whole, a slice of each long list, and the totals. */
export interface GraphPart {
  /** How many parts the graph has (at least 1). */
  parts: number;
  /** Lengths of the whole lists, so that the receiver can check what it put together. */
  totals: { nodes: number; values: number; initializers: number };
  graph: GraphInfo;
}

/** How many parts a graph takes. */
export function graphPartCount(info: GraphInfo, items = GRAPH_PART_ITEMS): number {
  return Math.max(1, Math.ceil(Math.max(info.nodes.length, info.values.length, info.initializers.length) / items));
}

/** Part `part` (from 0) of a graph; a WorkbenchError (BAD_REQUEST) past the last one. */
export function graphPart(info: GraphInfo, part: number, items = GRAPH_PART_ITEMS): GraphPart {
  const parts = graphPartCount(info, items);
  if (part >= parts) throw new WorkbenchError('BAD_REQUEST', `graph part ${part} asked for, but the graph has ${parts} part(s)`);
  const from = part * items;
  const to = from + items;
  return {
    parts,
    totals: { nodes: info.nodes.length, values: info.values.length, initializers: info.initializers.length },
    graph: {
      ...info,
      nodes: info.nodes.slice(from, to),
      values: info.values.slice(from, to),
      initializers: info.initializers.slice(from, to),
    },
  };
}

/**
 * The whole graph from its parts, fetched one after the other (each fetch leaves the thread free
 * in between). A BAD_RESPONSE error when the parts do not fit together, as when the graph
 * changed while its parts were being fetched.
 */
export async function assembleGraph(fetchPart: (part: number) => Promise<GraphPart>): Promise<GraphInfo> {
  const first = await fetchPart(0);
  const { nodes, values, initializers } = first.graph;
  // The other parts are requested together (the transport and the host overlap), used in order.
  const rest = Array.from({ length: Math.max(0, first.parts - 1) }, (_, i) => fetchPart(i + 1));
  // Each is awaited below in turn; a rejection of a later one must not go unhandled meanwhile.
  for (const r of rest) r.catch(() => {});
  for (let part = 1; part < first.parts; part++) {
    const next = await rest[part - 1]!;
    if (next.parts !== first.parts || JSON.stringify(next.totals) !== JSON.stringify(first.totals)) {
      throw new WorkbenchError('BAD_RESPONSE', 'the graph changed while it was being read; open it again');
    }
    for (const n of next.graph.nodes) nodes.push(n);
    for (const v of next.graph.values) values.push(v);
    for (const i of next.graph.initializers) initializers.push(i);
  }
  const { totals } = first;
  if (nodes.length !== totals.nodes || values.length !== totals.values || initializers.length !== totals.initializers) {
    throw new WorkbenchError('BAD_RESPONSE', `the graph arrived incomplete (${nodes.length} of ${totals.nodes} nodes)`);
  }
  return first.graph;
}
