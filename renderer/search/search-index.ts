import type { PreparedGraph } from '../graph/view-graph.js';

// Search by node name, operator type or value name (case-insensitive substring). Exact matches
// come first, then prefixes, then the rest; within each, names before op types before values,
// then graph order. A value match points at the node producing it (or the graph input).

/** What matched: a node's name, its op type, a value it produces, or a graph input/output. */
export type MatchKind = 'name' | 'op' | 'value' | 'input' | 'output';

export interface SearchResult {
  /** Key of the box to jump to (`n:<id>`, `i:<value>`, `o:<value>`). */
  key: string;
  /** Index in info.nodes, or -1 for graph inputs/outputs. */
  nodeIndex: number;
  kind: MatchKind;
  /** The text that matched. */
  text: string;
  /** What the result is (`MatMul /encoder/layer.0/MatMul`). */
  detail: string;
}

export interface SearchOutcome {
  results: SearchResult[];
  /** Matches in all, of which `results` holds the best `limit`. */
  total: number;
  /** Keys of every matching box (for highlighting). */
  keys: Set<string>;
}

const KIND_ORDER: Record<MatchKind, number> = { name: 0, op: 1, value: 2, input: 3, output: 4 };

/** Searches a prepared graph. */
export function searchGraph(p: PreparedGraph, query: string, limit = 100): SearchOutcome {
  const q = query.trim().toLowerCase();
  const found: { r: SearchResult; quality: number; order: number }[] = [];
  const keys = new Set<string>();
  if (!q) return { results: [], total: 0, keys };
  const quality = (text: string): number => {
    const t = text.toLowerCase();
    if (t === q) return 0;
    if (t.startsWith(q)) return 1;
    return t.includes(q) ? 2 : -1;
  };
  const nodes = p.info.nodes;
  let order = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const key = `n:${n.id}`;
    const detail = `${n.opType} ${n.name || `#${n.id}`}`;
    const candidates: [MatchKind, string][] = [
      ['name', n.name],
      ['op', n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType],
    ];
    for (const o of n.outputs) if (o) candidates.push(['value', o]);
    let best: { r: SearchResult; quality: number; order: number } | undefined;
    for (const [kind, text] of candidates) {
      if (!text) continue;
      const qual = kind === 'op' && quality(n.opType) >= 0 ? quality(n.opType) : quality(text);
      if (qual < 0) continue;
      if (!best || qual < best.quality || (qual === best.quality && KIND_ORDER[kind] < KIND_ORDER[best.r.kind])) {
        best = { r: { key, nodeIndex: i, kind, text, detail }, quality: qual, order: order++ };
      }
    }
    if (best) {
      found.push(best);
      keys.add(key);
    }
  }
  for (const input of p.inputs) {
    const qual = quality(input.name);
    if (qual < 0) continue;
    const key = `i:${input.name}`;
    found.push({ r: { key, nodeIndex: -1, kind: 'input', text: input.name, detail: `graph input ${input.name}` }, quality: qual, order: order++ });
    keys.add(key);
  }
  for (const name of p.info.outputs) {
    const qual = quality(name);
    if (qual < 0) continue;
    const key = `o:${name}`;
    found.push({ r: { key, nodeIndex: -1, kind: 'output', text: name, detail: `graph output ${name}` }, quality: qual, order: order++ });
    keys.add(key);
  }
  found.sort((a, b) => a.quality - b.quality || KIND_ORDER[a.r.kind] - KIND_ORDER[b.r.kind] || a.order - b.order);
  return { results: found.slice(0, limit).map((f) => f.r), total: found.length, keys };
}
