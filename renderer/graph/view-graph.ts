import { buildScopeTreeSteps, collapsedRepresentatives, scopeLabel, type LayoutInput, type ScopeTree } from '../../shared/layout/index.js';
import type { GraphInfo, GraphNodeInfo, GraphValueInfo } from '../../shared/protocol/backend.js';
import { opCategory, type OpCategory } from '../operators/categories.js';
import { opInputName } from '../operators/op-descriptions.js';
import { runToEnd } from './steps.js';
import { edgeLabel, edgeLabelWidth, formatDims, initializerLabel, shortName, textWidth, valueLabel } from './value-labels.js';

// What the view draws for a graph and a set of expanded scopes: boxes (nodes, collapsed scopes,
// graph inputs and outputs) and the edges between them, with the sizes the layout needs. Pure,
// so that it can be tested without a browser.

/** A graph prepared once for any number of expand/collapse states. */
export interface PreparedGraph {
  info: GraphInfo;
  tree: ScopeTree;
  values: Map<string, GraphValueInfo>;
  initializers: Map<string, { elemType: string; dims: number[] }>;
  /** Value name → index of the node producing it. */
  producer: Map<string, number>;
  /** Node id → index in info.nodes. */
  nodeIndex: Map<number, number>;
  /** Inputs drawn as boxes: graph inputs that are not initializers, then values read from an enclosing graph. */
  inputs: { name: string; outer: boolean }[];
  /**
   * Constants that can be drawn inside the nodes reading them: output value → index of the
   * Constant node (no inputs, one output, read only as listed inputs, not a graph output).
   */
  constants: Map<string, number>;
}

/** How a view graph is drawn. */
export interface ViewOptions {
  /** Constant nodes drawn as lines inside the nodes that read them (default true). */
  inlineConstants?: boolean;
}

export type ItemKind = 'node' | 'scope' | 'input' | 'output';

/** One box of the drawing. */
export interface ViewItem {
  /** `n:<node id>`, `s:<scope path>`, `i:<value>`, `o:<value>`. */
  key: string;
  kind: ItemKind;
  label: string;
  /** Full name (node name, scope path, value name). */
  title: string;
  category: OpCategory;
  /** Lines under the label: initializers and constants read by a node, or a scope's node count. */
  lines: string[];
  /** For each line, the Constant node it shows (index in info.nodes), -1 for other lines. */
  lineNodes: number[];
  /** The name of the scope a node is alone in (`conv1`), drawn in the node instead of a frame; '' if none. */
  caption: string;
  width: number;
  height: number;
  /** Index in info.nodes for a node, -1 otherwise. */
  nodeIndex: number;
  /** Scope index for a collapsed scope, -1 otherwise. */
  scope: number;
  ariaLabel: string;
}

/** An edge of the drawing: a value from one box to another. */
export interface ViewEdge {
  source: number;
  target: number;
  value: string;
  /** The label drawn: type and shape, long symbolic dims cut short. */
  label: string;
  /** The whole type and shape (on hover). */
  fullLabel: string;
  inferred: boolean;
  /** Read by the target's subgraphs, not as a listed input (drawn dashed). */
  implicit: boolean;
}

export interface ViewGraph {
  prepared: PreparedGraph;
  items: ViewItem[];
  edges: ViewEdge[];
  keyIndex: Map<string, number>;
  /** Node index → item showing it (the node, the collapsed scope holding it, or for a constant drawn inside its readers, the first of them). */
  itemOfNode: Int32Array;
  /** Constant nodes drawn inside their readers (1) rather than as boxes. */
  inlined: Uint8Array;
  /** Boxes drawn inside each scope (at any depth; a collapsed scope counts as one): frames need two. */
  boxesInScope: Int32Array;
}

const LABEL_FONT = 11;
const LINE_FONT = 10;
const MAX_LINES = 4;
/** Most room between two output ports of a box. */
const PORT_STEP = 16;
/** Height of a line of text inside a box. */
export const LINE_HEIGHT = 13;

/** Indexes a graph: producers, values, initializers and its scope tree. */
export function prepareGraph(info: GraphInfo): PreparedGraph {
  return runToEnd(prepareGraphSteps(info));
}

/** `prepareGraph` in steps (yields every few thousand nodes). */
export function* prepareGraphSteps(info: GraphInfo): Generator<void, PreparedGraph, void> {
  const values = new Map<string, GraphValueInfo>();
  for (let i = 0; i < info.values.length; i++) {
    values.set(info.values[i].name, info.values[i]);
    if ((i & 8191) === 8191) yield;
  }
  const initializers = new Map(info.initializers.map((t) => [t.name, { elemType: t.elemType, dims: t.dims }]));
  const producer = new Map<string, number>();
  const nodeIndex = new Map<number, number>();
  for (let i = 0; i < info.nodes.length; i++) {
    const n = info.nodes[i];
    nodeIndex.set(n.id, i);
    for (const o of n.outputs) if (o) producer.set(o, i);
    if ((i & 8191) === 8191) yield;
  }
  const inputs: PreparedGraph['inputs'] = [];
  const declared = new Set<string>();
  for (const name of info.inputs) {
    if (!name || initializers.has(name) || declared.has(name)) continue;
    declared.add(name);
    inputs.push({ name, outer: false });
  }
  for (let i = 0; i < info.nodes.length; i++) {
    for (const v of readsOf(info.nodes[i])) {
      if (!v || producer.has(v) || initializers.has(v) || declared.has(v)) continue;
      declared.add(v);
      inputs.push({ name: v, outer: true });
    }
    if ((i & 8191) === 8191) yield;
  }
  const tree = yield* buildScopeTreeSteps(info.nodes.map((n) => n.name));
  const constants = yield* inlinableConstants(info);
  return { info, tree, values, initializers, producer, nodeIndex, inputs, constants };
}

function isConstant(n: GraphNodeInfo): boolean {
  return n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx') && n.inputs.length === 0 && n.outputs.length === 1 && n.outputs[0] !== '';
}

/** Constants read only as listed inputs of this graph's nodes (a graph output or a subgraph's read keeps its box). */
function* inlinableConstants(info: GraphInfo): Generator<void, Map<string, number>, void> {
  const constants = new Map<string, number>();
  info.nodes.forEach((n, i) => {
    if (isConstant(n)) constants.set(n.outputs[0], i);
  });
  if (!constants.size) return constants;
  const read = new Set<string>();
  for (let i = 0; i < info.nodes.length; i++) {
    if ((i & 8191) === 8191) yield;
    const n = info.nodes[i];
    for (const v of n.implicitInputs ?? []) constants.delete(v);
    for (const v of n.inputs) read.add(v);
  }
  for (const v of info.outputs) constants.delete(v);
  for (const v of [...constants.keys()]) if (!read.has(v)) constants.delete(v);
  return constants;
}

/** Values a node reads: its inputs, then what its subgraphs read from this graph. */
function readsOf(n: GraphNodeInfo): string[] {
  return n.implicitInputs?.length ? [...n.inputs, ...n.implicitInputs] : n.inputs;
}

/** The accessible name of a node's box (what end-to-end tests and screen readers find). */
export function nodeAriaLabel(node: { name: string; opType: string; id: number }): string {
  return `graph node ${node.name || `${node.opType}#${node.id}`}`;
}

/** The line a constant drawn inside its reader shows: `shape⟨int64 4⟩`, `B⟨float⟩ = 0.5`. */
export function constantLine(slot: string, value: GraphValueInfo | undefined, constantValue: string | undefined): string {
  const type = value && value.elemType !== 'unknown' ? value.elemType : '';
  const dims = value?.shape ? formatDims(value.shape) : '?';
  const inner = [type, dims].filter((t) => t !== '').join(' ');
  const text = `${slot}⟨${inner}⟩`;
  return constantValue !== undefined && constantValue.length <= 24 ? `${text} = ${constantValue}` : text;
}

function nodeItem(p: PreparedGraph, index: number, inlined: Uint8Array, caption: string): ViewItem {
  const n = p.info.nodes[index];
  const lines: string[] = [];
  const lineNodes: number[] = [];
  n.inputs.forEach((v, slot) => {
    if (!v) return;
    const t = p.initializers.get(v);
    const c = p.constants.get(v);
    if (t) {
      lines.push(initializerLabel(opInputName(n.opType, slot) ?? shortName(v), t.dims));
      lineNodes.push(-1);
    } else if (c !== undefined && inlined[c]) {
      lines.push(constantLine(opInputName(n.opType, slot) ?? shortName(v), p.values.get(v), p.info.nodes[c].constantValue));
      lineNodes.push(c);
    }
  });
  if (lines.length > MAX_LINES) {
    lines.splice(MAX_LINES - 1, lines.length, `+${lines.length - MAX_LINES + 1} more`);
    lineNodes.splice(MAX_LINES - 1, lineNodes.length, -1);
  }
  const label = n.opType;
  let width = textWidth(label, LABEL_FONT) + 20;
  for (const l of lines) width = Math.max(width, textWidth(l, LINE_FONT) + 14);
  if (caption) width = Math.max(width, textWidth(caption, LINE_FONT) + 14);
  return {
    key: `n:${n.id}`,
    kind: 'node',
    label,
    title: n.name || `${n.opType}#${n.id}`,
    category: opCategory(n.opType),
    lines,
    lineNodes,
    caption,
    width: Math.max(48, Math.ceil(width)),
    height: 24 + LINE_HEIGHT * (lines.length + (caption ? 1 : 0)),
    nodeIndex: index,
    scope: -1,
    ariaLabel: nodeAriaLabel(n),
  };
}

function scopeItem(p: PreparedGraph, s: number): ViewItem {
  const path = p.tree.paths[s];
  const label = scopeLabel(path);
  const count = p.tree.total[s];
  const lines = [`${count} node${count === 1 ? '' : 's'}`];
  return {
    key: `s:${path}`,
    kind: 'scope',
    label,
    title: path,
    category: 'scope',
    lines,
    lineNodes: [-1],
    caption: '',
    width: Math.max(96, Math.ceil(textWidth(`${label} · ${count}`, LABEL_FONT) + 30)),
    height: 40,
    nodeIndex: -1,
    scope: s,
    ariaLabel: `graph scope ${path}`,
  };
}

function valueItem(kind: 'input' | 'output', name: string, outer: boolean): ViewItem {
  const label = name.length > 40 ? `${name.slice(0, 39)}…` : name;
  return {
    key: `${kind === 'input' ? 'i' : 'o'}:${name}`,
    kind,
    label,
    title: outer ? `${name} (from the enclosing graph)` : name,
    category: 'io',
    lines: [],
    lineNodes: [],
    caption: '',
    width: Math.max(56, Math.ceil(textWidth(label, LABEL_FONT) + 28)),
    height: 24,
    nodeIndex: -1,
    scope: -1,
    ariaLabel: `graph ${kind} ${name}`,
  };
}

/** The boxes and edges for a set of expanded scope paths. */
export function buildViewGraph(p: PreparedGraph, expanded: ReadonlySet<string>, options: ViewOptions = {}): ViewGraph {
  return runToEnd(buildViewGraphSteps(p, expanded, options));
}

/** `buildViewGraph` in steps (yields every few thousand nodes). */
export function* buildViewGraphSteps(p: PreparedGraph, expanded: ReadonlySet<string>, options: ViewOptions = {}): Generator<void, ViewGraph, void> {
  const rep = collapsedRepresentatives(p.tree, expanded);
  const { tree } = p;
  const nodes = p.info.nodes;
  // Which constants go inside their readers: those not hidden in a collapsed scope.
  const inlined = new Uint8Array(nodes.length);
  if (options.inlineConstants ?? true) for (const c of p.constants.values()) if (rep[tree.scopeOf[c]] < 0) inlined[c] = 1;
  // Boxes per scope, to frame only scopes of two or more and caption the nodes alone in theirs.
  const boxesInScope = new Int32Array(tree.paths.length);
  const countedScope = new Uint8Array(tree.paths.length);
  for (let i = 0; i < nodes.length; i++) {
    if (inlined[i]) continue;
    const r = rep[tree.scopeOf[i]];
    if (r >= 0 && countedScope[r]) continue;
    if (r >= 0) countedScope[r] = 1;
    for (let s = r >= 0 ? tree.parent[r] : tree.scopeOf[i]; s > 0; s = tree.parent[s]) boxesInScope[s]++;
  }
  const captionOf = (i: number): string => {
    let s = tree.scopeOf[i];
    if (s <= 0 || boxesInScope[s] !== 1) return '';
    while (tree.parent[s] > 0 && boxesInScope[tree.parent[s]] === 1) s = tree.parent[s];
    const outer = tree.paths[tree.parent[s]];
    return tree.paths[tree.scopeOf[i]].slice(outer.length + 1);
  };
  const items: ViewItem[] = [];
  const keyIndex = new Map<string, number>();
  const add = (item: ViewItem) => {
    keyIndex.set(item.key, items.length);
    items.push(item);
    return items.length - 1;
  };
  for (const input of p.inputs) add(valueItem('input', input.name, input.outer));
  const itemOfNode = new Int32Array(nodes.length).fill(-1);
  const scopeItemIndex = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    if ((i & 4095) === 4095) yield;
    if (inlined[i]) continue;
    const s = rep[p.tree.scopeOf[i]];
    if (s < 0) {
      itemOfNode[i] = add(nodeItem(p, i, inlined, captionOf(i)));
      continue;
    }
    let at = scopeItemIndex.get(s);
    if (at === undefined) {
      at = add(scopeItem(p, s));
      scopeItemIndex.set(s, at);
    }
    itemOfNode[i] = at;
  }
  const edges: ViewEdge[] = [];
  // Between collapsed scopes one edge stands for all values; between nodes each value is its own
  // edge (a node reading one value twice gets one edge).
  const grouped = new Set<number>();
  const link = (source: number, target: number, value: string, seenHere: string[], implicit = false) => {
    if (source === target) return;
    if (items[source].kind === 'scope' || items[target].kind === 'scope') {
      const key = source * items.length + target;
      if (grouped.has(key)) return;
      grouped.add(key);
    } else {
      if (seenHere.includes(value)) return;
      seenHere.push(value);
    }
    const info = p.values.get(value);
    const full = valueLabel(info);
    edges.push({ source, target, value, label: edgeLabel(info), fullLabel: full, inferred: info?.source === 'inferred', implicit });
  };
  for (let i = 0; i < nodes.length; i++) {
    if ((i & 4095) === 4095) yield;
    const target = itemOfNode[i];
    if (target < 0) continue;
    const seenHere: string[] = [];
    for (const v of nodes[i].inputs) {
      if (!v || p.initializers.has(v)) continue;
      const c = p.constants.get(v);
      if (c !== undefined && inlined[c]) {
        // A constant drawn inside its readers stands at the first of them (search and selection go there).
        if (itemOfNode[c] < 0) itemOfNode[c] = target;
        continue;
      }
      const from = p.producer.get(v);
      const source = from !== undefined ? itemOfNode[from] : keyIndex.get(`i:${v}`);
      if (source !== undefined) link(source, target, v, seenHere);
    }
    for (const v of nodes[i].implicitInputs ?? []) {
      if (!v || p.initializers.has(v)) continue;
      const from = p.producer.get(v);
      const source = from !== undefined ? itemOfNode[from] : keyIndex.get(`i:${v}`);
      if (source !== undefined) link(source, target, v, seenHere, true);
    }
  }
  for (const name of p.info.outputs) {
    if (!name || keyIndex.has(`o:${name}`)) continue;
    const out = add(valueItem('output', name, false));
    const from = p.producer.get(name);
    const source = from !== undefined ? itemOfNode[from] : keyIndex.get(`i:${name}`);
    if (source !== undefined) link(source, out, name, []);
  }
  return { prepared: p, items, edges, keyIndex, itemOfNode, inlined, boxesInScope };
}

/** The layout's input for a view graph (sizes and edges as typed arrays). */
export function layoutInputOf(v: ViewGraph): LayoutInput {
  return runToEnd(layoutInputSteps(v));
}

/** `layoutInputOf` in steps (yields every few thousand edges: 100,000 boxes take ~100 ms). */
export function* layoutInputSteps(v: ViewGraph): Generator<void, LayoutInput, void> {
  const n = v.items.length;
  const widths = new Float64Array(n);
  const heights = new Float64Array(n);
  v.items.forEach((item, i) => {
    widths[i] = item.width;
    heights[i] = item.height;
  });
  const sources = new Int32Array(v.edges.length);
  const targets = new Int32Array(v.edges.length);
  const labelWidths = new Float64Array(v.edges.length);
  // One label per value leaving a box: the first of its edges carries it. Each value leaving a
  // box gets its own port along the bottom, so that the edges (and labels) of a Split fan out.
  const labelled = new Set<string>();
  const port = new Int32Array(v.edges.length);
  const ports = new Int32Array(n);
  const portOf = new Map<string, number>();
  for (let j = 0; j < v.edges.length; j++) {
    if ((j & 8191) === 8191) yield;
    const e = v.edges[j];
    sources[j] = e.source;
    targets[j] = e.target;
    const key = `${e.source}\u0000${e.value}`;
    let at = portOf.get(key);
    if (at === undefined) portOf.set(key, (at = ports[e.source]++));
    port[j] = at;
    if (!e.label || labelled.has(key)) continue;
    labelled.add(key);
    labelWidths[j] = edgeLabelWidth(e.label);
  }
  const sourceOffsets = new Float64Array(v.edges.length);
  v.edges.forEach((e, j) => {
    const k = ports[e.source];
    if (k < 2 || v.items[e.source].kind !== 'node') return;
    const step = Math.min(PORT_STEP, (widths[e.source] - 12) / (k - 1));
    sourceOffsets[j] = (port[j] - (k - 1) / 2) * step;
  });
  return { widths, heights, sources, targets, sourceOffsets, labelWidths };
}
