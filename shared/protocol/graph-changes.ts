import { WorkbenchError } from '../errors.js';
import type { GraphInfo, GraphNodeInfo, GraphPath, GraphValueInfo } from './backend.js';

// What changed in one graph of a model between two edit versions, in the shapes getGraph hands
// out: after an edit the view patches the graph it holds with this instead of reading the whole
// graph again (5.6 MB of JSON for 15,000 nodes). Applying the patch gives exactly the list a full
// read would give, order included, so the view lays out the same graph either way.

/**
 * How a list changed: drop the items whose keys are in `removed` and those of `put`, then insert
 * each item of `put` at its index (ascending). `put` holds the added and changed items and the
 * few that moved; the others keep their relative order.
 */
export interface ListPatch<T> {
  removed: (string | number)[];
  put: { index: number; item: T }[];
}

export type GraphInitializerInfo = GraphInfo['initializers'][number];

/** The graph at `path` going from version `from` to `version`. */
export interface GraphChanges {
  path: GraphPath;
  from: number;
  version: number;
  /** The small fields whole. */
  name: string;
  inputs: string[];
  outputs: string[];
  nodes: ListPatch<GraphNodeInfo>;
  values: ListPatch<GraphValueInfo>;
  initializers: ListPatch<GraphInitializerInfo>;
  /** Lengths of the lists after the patch, so that the receiver can check what it put together. */
  totals: { nodes: number; values: number; initializers: number };
}

const sameArray = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined) => a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  let count = 0;
  for (const k in a) {
    if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/** Whether two nodes as getGraph describes them are the same (every field). */
export function sameNode(a: GraphNodeInfo, b: GraphNodeInfo): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.opType === b.opType &&
    a.domain === b.domain &&
    a.constantValue === b.constantValue &&
    sameArray(a.inputs, b.inputs) &&
    sameArray(a.outputs, b.outputs) &&
    sameArray(a.implicitInputs, b.implicitInputs) &&
    sameRecord(a.attributes, b.attributes) &&
    a.subgraphs.length === b.subgraphs.length &&
    a.subgraphs.every((s, i) => {
      const t = b.subgraphs[i]!;
      return s.attribute === t.attribute && s.index === t.index && s.name === t.name && s.nodeCount === t.nodeCount;
    })
  );
}

const sameValue = (a: GraphValueInfo, b: GraphValueInfo) => a.name === b.name && a.elemType === b.elemType && a.source === b.source && (a.shape === null ? b.shape === null : b.shape !== null && sameArray(a.shape, b.shape));
const sameInitializer = (a: GraphInitializerInfo, b: GraphInitializerInfo) => a.name === b.name && a.elemType === b.elemType && sameArray(a.dims, b.dims);

/** Indices (into `seq`) of a longest strictly increasing subsequence, O(n log n). */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev = new Int32Array(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

/** The patch from list `a` to list `b` (keys unique in each); linear but for the moved items. */
export function listPatch<T, K extends string | number>(a: readonly T[], b: readonly T[], key: (t: T) => K, same: (x: T, y: T) => boolean): ListPatch<T> {
  const next = new Map<K, number>();
  for (let j = 0; j < b.length; j++) next.set(key(b[j]!), j);
  const removed: K[] = [];
  // Items in both and unchanged, in a's order, by their index in b: those of a longest
  // increasing run stay where they are; the others moved and are put again.
  const kept: number[] = [];
  const put = new Uint8Array(b.length);
  const matched = new Uint8Array(b.length);
  let increasing = true;
  for (const t of a) {
    const k = key(t);
    const j = next.get(k);
    if (j === undefined) {
      removed.push(k);
      continue;
    }
    matched[j] = 1;
    if (!same(t, b[j]!)) put[j] = 1;
    else {
      if (kept.length && kept[kept.length - 1]! > j) increasing = false;
      kept.push(j);
    }
  }
  if (!increasing) {
    const stay = longestIncreasing(kept);
    kept.forEach((j, n) => {
      if (!stay.has(n)) put[j] = 1;
    });
  }
  const out: ListPatch<T>['put'] = [];
  for (let j = 0; j < b.length; j++) if (put[j] || !matched[j]) out.push({ index: j, item: b[j]! });
  return { removed, put: out };
}

/** Items a patch sends. */
export function patchSize(c: GraphChanges): number {
  return c.nodes.put.length + c.values.put.length + c.initializers.put.length;
}

/** The changes from graph `before` (at version `from`) to graph `after` (at version `version`). */
export function graphChanges(before: GraphInfo, after: GraphInfo, from: number, version: number): GraphChanges {
  return {
    path: after.path,
    from,
    version,
    name: after.name,
    inputs: after.inputs,
    outputs: after.outputs,
    nodes: listPatch(before.nodes, after.nodes, (n) => n.id, sameNode),
    values: listPatch(before.values, after.values, (v) => v.name, sameValue),
    initializers: listPatch(before.initializers, after.initializers, (t) => t.name, sameInitializer),
    totals: { nodes: after.nodes.length, values: after.values.length, initializers: after.initializers.length },
  };
}

/** Applies a list patch (linear: one pass over the list). */
function applyList<T>(list: readonly T[], patch: ListPatch<T>, key: (t: T) => string | number, total: number, what: string): T[] {
  const drop = new Set<string | number>(patch.removed);
  for (const p of patch.put) drop.add(key(p.item));
  const out: T[] = [];
  let k = 0;
  for (const t of list) {
    if (drop.has(key(t))) continue;
    while (k < patch.put.length && patch.put[k]!.index === out.length) out.push(patch.put[k++]!.item);
    out.push(t);
  }
  while (k < patch.put.length && patch.put[k]!.index === out.length) out.push(patch.put[k++]!.item);
  if (k !== patch.put.length || out.length !== total) {
    throw new WorkbenchError('BAD_RESPONSE', `the graph's ${what} changes do not fit the graph shown (${out.length} of ${total}); read it again`);
  }
  return out;
}

/**
 * The graph `info` (at version `changes.from`) patched to `changes.version`; a BAD_RESPONSE
 * error when the patch does not fit it. `info` is left as it was.
 */
export function applyGraphChanges(info: GraphInfo, changes: GraphChanges): GraphInfo {
  if (info.version !== changes.from) {
    throw new WorkbenchError('BAD_RESPONSE', `the graph's changes start at version ${changes.from}, but the graph shown is at ${info.version ?? 'an unknown version'}`);
  }
  return {
    path: changes.path,
    name: changes.name,
    version: changes.version,
    nodes: applyList(info.nodes, changes.nodes, (n) => n.id, changes.totals.nodes, 'node'),
    inputs: changes.inputs,
    outputs: changes.outputs,
    initializers: applyList(info.initializers, changes.initializers, (t) => t.name, changes.totals.initializers, 'initializer'),
    values: applyList(info.values, changes.values, (v) => v.name, changes.totals.values, 'value'),
  };
}
