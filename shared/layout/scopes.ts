// Name scopes: exporters name nodes by the module that made them (`/encoder/layer.3/attention/
// MatMul`), so the prefix before the last `/` groups a node with its siblings. The tree of those
// prefixes lets the view collapse a scope into one box; big graphs open collapsed to a level
// that keeps the drawing small, and expand on demand.

/** The scopes of a graph's nodes, parents before children; scope 0 is the root (path ''). */
export interface ScopeTree {
  paths: string[];
  parent: Int32Array;
  depth: Int32Array;
  /** Nodes inside each scope, at any depth. */
  total: Int32Array;
  /** What an expanded scope shows: its own nodes plus its child scopes. */
  items: Int32Array;
  /** Child scopes: children[childStart[s] .. childStart[s + 1]). */
  childStart: Int32Array;
  children: Int32Array;
  /** The deepest scope of each node. */
  scopeOf: Int32Array;
}

/** The scope path of a node name: `/a/b/Op` → `/a/b`; a name without `/` is in the root scope (''). */
export function scopeOfName(name: string): string {
  const cut = name.lastIndexOf('/');
  if (cut <= 0) return '';
  const parts = name.slice(0, cut).split('/').filter((p) => p !== '');
  return parts.length ? `/${parts.join('/')}` : '';
}

/** The last segment of a scope path (`/encoder/layer.3` → `layer.3`). */
export function scopeLabel(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Builds the scope tree of node names (linear in the total length of the names). */
export function buildScopeTree(names: readonly string[]): ScopeTree {
  const steps = buildScopeTreeSteps(names);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** `buildScopeTree` in steps: yields every few thousand names, so a page can slice the work. */
export function* buildScopeTreeSteps(names: readonly string[]): Generator<void, ScopeTree, void> {
  const index = new Map<string, number>([['', 0]]);
  const paths = [''];
  const parentList = [-1];
  const scopeOf = new Int32Array(names.length);
  const intern = (path: string): number => {
    const known = index.get(path);
    if (known !== undefined) return known;
    // Parents first, iteratively: walk up to the nearest known ancestor, then create downward.
    const missing: string[] = [];
    let p = path;
    while (!index.has(p)) {
      missing.push(p);
      const cut = p.lastIndexOf('/');
      p = cut <= 0 ? '' : p.slice(0, cut);
    }
    let parent = index.get(p)!;
    for (let i = missing.length - 1; i >= 0; i--) {
      const s = paths.length;
      paths.push(missing[i]);
      parentList.push(parent);
      index.set(missing[i], s);
      parent = s;
    }
    return parent;
  };
  for (let i = 0; i < names.length; i++) {
    scopeOf[i] = intern(scopeOfName(names[i]));
    if ((i & 4095) === 4095) yield;
  }
  const count = paths.length;
  const parent = Int32Array.from(parentList);
  const depth = new Int32Array(count);
  for (let s = 1; s < count; s++) depth[s] = depth[parent[s]] + 1;
  const total = new Int32Array(count);
  const items = new Int32Array(count);
  for (let i = 0; i < names.length; i++) {
    total[scopeOf[i]]++;
    items[scopeOf[i]]++;
  }
  // Children come after their parents, so one backward pass sums the totals.
  for (let s = count - 1; s > 0; s--) {
    total[parent[s]] += total[s];
    items[parent[s]]++;
  }
  const childStart = new Int32Array(count + 1);
  for (let s = 1; s < count; s++) childStart[parent[s] + 1]++;
  for (let s = 0; s < count; s++) childStart[s + 1] += childStart[s];
  const fill = childStart.slice(0, count);
  const children = new Int32Array(Math.max(0, count - 1));
  for (let s = 1; s < count; s++) children[fill[parent[s]]++] = s;
  return { paths, parent, depth, total, items, childStart, children, scopeOf };
}

/**
 * For each scope, the collapsed scope that stands for it (the topmost collapsed one on its path
 * from the root), or -1 when it and all its ancestors are expanded. The root is always expanded,
 * and so is a scope of one node: a box standing for one node would only hide it.
 */
export function collapsedRepresentatives(tree: ScopeTree, expanded: ReadonlySet<string>): Int32Array {
  const rep = new Int32Array(tree.paths.length).fill(-1);
  for (let s = 1; s < tree.paths.length; s++) {
    const up = rep[tree.parent[s]];
    rep[s] = up >= 0 ? up : expanded.has(tree.paths[s]) || tree.total[s] < 2 ? -1 : s;
  }
  return rep;
}

/** Options of `defaultExpansion`. */
export interface ExpansionOptions {
  /** Graphs with at most this many nodes open fully expanded. */
  expandAllUpTo?: number;
  /** Otherwise, whole levels are expanded while the drawing keeps at most this many boxes. */
  budget?: number;
}

/** Every scope path (what "expand all" expands). */
export function allScopes(tree: ScopeTree): Set<string> {
  return new Set(tree.paths.slice(1));
}

/**
 * The scopes a graph opens with: all of them for a small graph; for a big one, level by level
 * from the root while the number of boxes stays within the budget (a level with a single
 * scope, like a wrapping `/model`, is always opened).
 */
export function defaultExpansion(tree: ScopeTree, options: ExpansionOptions = {}): Set<string> {
  const expandAllUpTo = options.expandAllUpTo ?? 3000;
  const budget = options.budget ?? 1500;
  if (tree.total[0] <= expandAllUpTo) return allScopes(tree);
  const expanded = new Set<string>();
  const childrenOf = (s: number) => tree.children.subarray(tree.childStart[s], tree.childStart[s + 1]);
  let visible = tree.items[0];
  let frontier = Array.from(childrenOf(0));
  while (frontier.length) {
    let cost = 0;
    for (const s of frontier) cost += tree.items[s] - 1;
    if (visible + cost > budget && frontier.length > 1) break;
    for (const s of frontier) expanded.add(tree.paths[s]);
    visible += cost;
    frontier = frontier.flatMap((s) => Array.from(childrenOf(s)));
  }
  return expanded;
}

/** The scope paths from the root down to (and including) `path`: what to expand to show a node inside it. */
export function ancestorScopes(path: string): string[] {
  const out: string[] = [];
  let cut = path.indexOf('/', 1);
  while (cut > 0) {
    out.push(path.slice(0, cut));
    cut = path.indexOf('/', cut + 1);
  }
  if (path) out.push(path);
  return out;
}
