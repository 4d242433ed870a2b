// Structured channel pruning: the groups of a model, each channel's importance (L1 or L2 norm of
// its sources' weights), which channels to remove, and the rewrite that removes them: every
// initializer edit of the group sliced, depthwise `group` attributes reduced, stale shapes dropped.

import { attr } from '../builder/attributes.js';
import { WorkbenchError } from '../errors.js';
import { attrInt } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import type { ShapeInference } from '../shape/index.js';
import { GroupFinder, type ChannelEdit, type ChannelGroup, type SourceFilter } from './channel-groups.js';
import { applyShapeEdit, type ShapeEdit } from './head-shapes.js';
import { dropIndices, readWeight, stridesOf, writeWeight, type ExternalBytes, type LayerWeight } from './weights.js';

export type Criterion = 'l1' | 'l2';

/** Every group of the graph's prunable layers (each layer in one group), in graph order. */
export function channelGroups(graph: Graph, shapes: ShapeInference, allowed: SourceFilter, stream = false): ChannelGroup[] {
  const finder = new GroupFinder(graph, shapes, allowed, stream);
  const grouped = new Set<IrNode>();
  const groups: ChannelGroup[] = [];
  for (const node of graph.nodes) {
    if (grouped.has(node) || !allowed(node)) continue;
    const lw = finder.source(node);
    if (!lw) continue;
    const g = finder.find(lw);
    for (const s of g.sources) grouped.add(s.node);
    grouped.add(node);
    groups.push(g);
  }
  return groups;
}

/** Per output channel norm of one layer's weight. */
export function channelNorms(w: LayerWeight, values: Float32Array, criterion: Criterion): number[] {
  const strides = stridesOf(w.dims);
  const n = w.dims[w.outAxis]!;
  const norms = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / strides[w.outAxis]!) % n;
    const x = values[i]!;
    norms[c]! += criterion === 'l1' ? Math.abs(x) : x * x;
  }
  return criterion === 'l2' ? norms.map(Math.sqrt) : norms;
}

/** Per unit norm of one edit's slices (unit c: indices [offset + c·stride, offset + (c+1)·stride) of its axis). */
function sliceNorms(w: { dims: number[]; values: Float32Array }, e: ChannelEdit, units: number, criterion: Criterion): number[] {
  const strides = stridesOf(w.dims);
  const n = w.dims[e.axis]!;
  const norms = new Array<number>(units).fill(0);
  for (let i = 0; i < w.values.length; i++) {
    const c = Math.floor((Math.floor(i / strides[e.axis]!) % n - e.offset) / e.stride);
    const x = w.values[i]!;
    if (c >= 0 && c < units) norms[c]! += criterion === 'l1' ? Math.abs(x) : x * x;
  }
  return criterion === 'l2' ? norms.map(Math.sqrt) : norms;
}

/**
 * A group's channel importance: each source's norms scaled to mean 1, summed (so layers of any
 * scale count alike). A head's: the norms of its slices of Q, K, V and of the output projection's
 * input rows (its weights in every layer of the group), each layer scaled alike. A residual
 * stream's channel: its slices of every matrix of the group (embedding tables, the layers writing
 * the stream and those reading it), as no single layer stands for the whole stream.
 */
export function groupNorms(graph: Graph, g: ChannelGroup, criterion: Criterion, ext: ExternalBytes = () => undefined): number[] {
  const total = new Array<number>(g.size).fill(0);
  const add = (norms: number[]) => {
    const mean = norms.reduce((a, b) => a + b, 0) / norms.length || 1;
    norms.forEach((x, c) => (total[c]! += x / mean));
  };
  if (g.unit === 1 && !g.normalizedBy) {
    for (const s of g.sources) add(channelNorms(s, readWeight(graph, s.init, ext)!.values, criterion));
    return total;
  }
  if (g.unit === 1) {
    for (const e of g.edits) {
      const w = readWeight(graph, e.init, ext)!;
      if (w.dims.length >= 2) add(sliceNorms(w, e, g.size, criterion));
    }
    return total;
  }
  const layers = new Set([...g.sources.map((s) => s.init), ...g.consumers.map((c) => c.node.inputs[1])]);
  for (const e of g.edits) if (layers.has(e.init)) add(sliceNorms(readWeight(graph, e.init, ext)!, e, g.size, criterion));
  return total;
}

/** The `round(fraction·size)` channels of least importance (at least one kept), ascending. */
export function weakestChannels(norms: readonly number[], fraction: number): number[] {
  const k = Math.min(Math.round(fraction * norms.length), norms.length - 1);
  return [...norms.keys()].sort((a, b) => norms[a]! - norms[b]! || a - b).slice(0, Math.max(k, 0)).sort((a, b) => a - b);
}

/** Elements of the float initializers after removing `plan`'s channels (restoring MatMuls included): to choose a split. */
export function parametersAfter(graph: Graph, plan: readonly { group: ChannelGroup; remove: readonly number[] }[]): number {
  const cuts = new Map<string, Map<number, number>>();
  let restores = 0;
  for (const { group, remove } of plan) {
    for (const e of group.edits) {
      const axes = cuts.get(e.init) ?? new Map<number, number>();
      cuts.set(e.init, axes);
      axes.set(e.axis, (axes.get(e.axis) ?? 0) + remove.length * e.stride);
    }
    restores += group.restores.length * (group.size - remove.length) * group.size;
  }
  let total = restores;
  for (const [name, t] of graph.initializers) {
    if (t.dataType !== 1) continue;
    const axes = cuts.get(name);
    total += (t.dims ?? []).map(Number).reduce((a, d, i) => a * (d - (axes?.get(i) ?? 0)), 1);
  }
  return total;
}

/** Float initializer elements of the graph. */
export function floatParameters(graph: Graph): number {
  return parametersAfter(graph, []);
}

/** Removes `remove` (channel indices) of each group; the graph's shapes are then consistent again. Returns the restoring MatMuls added (stream groups' graph outputs), by group. */
export function removeChannels(graph: Graph, plan: readonly { group: ChannelGroup; remove: readonly number[] }[], ext: ExternalBytes = () => undefined): Map<ChannelGroup, IrNode[]> {
  const byInit = new Map<string, Map<number, Set<number>>>();
  const groupCuts = new Map<IrNode, number>();
  const stale = new Set<string>();
  const shapeCuts: [ShapeEdit, number][] = [];
  for (const { group, remove } of plan) {
    if (group.unsafe) throw new Error('removeChannels: unsafe group');
    for (const c of remove) if (!(c >= 0 && c < group.size && Number.isInteger(c))) throw new WorkbenchError('BAD_OPTION', `channel ${c} is out of range (the group of ${group.sources[0]!.node.name} has ${group.size})`);
    if (remove.length >= group.size) throw new WorkbenchError('BAD_OPTION', `cannot remove all ${group.size} channels of ${group.sources[0]!.node.name}`);
    for (const e of group.edits) {
      const axes = byInit.get(e.init) ?? new Map<number, Set<number>>();
      byInit.set(e.init, axes);
      const set = axes.get(e.axis) ?? new Set<number>();
      axes.set(e.axis, set);
      for (const c of remove) for (let k = 0; k < e.stride; k++) set.add(e.offset + c * e.stride + k);
    }
    for (const a of group.groupAttrs) groupCuts.set(a.node, (groupCuts.get(a.node) ?? 0) + remove.length * a.stride);
    for (const e of group.shapeEdits) shapeCuts.push([e, remove.length]);
    for (const v of group.values) stale.add(v);
  }
  for (const [init, axes] of byInit) {
    const w = readWeight(graph, init, ext);
    if (!w) throw new WorkbenchError('TENSOR_DATA', `prune: '${init}' is not a float32 initializer`);
    let cur = { dims: w.dims, values: w.values };
    for (const [axis, set] of axes) cur = dropIndices(cur.dims, cur.values, axis, set);
    writeWeight(graph, init, cur.dims, cur.values);
  }
  for (const [e, removed] of shapeCuts) applyShapeEdit(graph, e, removed);
  for (const [node, cut] of groupCuts) graph.setAttribute(node, attr('group', attrInt(node, 'group', 1) - cut));
  graph.removeValueInfos(stale);
  const restored = new Map<ChannelGroup, IrNode[]>();
  for (const { group, remove } of plan) if (group.restores.length) restored.set(group, group.restores.map((o) => restoreWidth(graph, o, group.size, remove)));
  return restored;
}

// The graph output `output` (now of the kept channels) keeps its width: its producer writes `output/pruned`, which the
// graph's readers read, and a MatMul by a [kept, size] selection matrix (removed channels zero) writes `output`; a
// refit can then predict the removed channels from the kept ones.
function restoreWidth(graph: Graph, output: string, size: number, remove: readonly number[]): IrNode {
  let pruned = `${output}/pruned`;
  while (graph.defines(pruned) || graph.initializers.has(pruned)) pruned += '_';
  const removed = new Set(remove);
  const kept = [...Array(size).keys()].filter((c) => !removed.has(c));
  const r = new Float32Array(kept.length * size);
  kept.forEach((c, i) => (r[i * size + c] = 1));
  const weight = `${pruned}.restore`;
  writeWeight(graph, weight, [kept.length, size], r);
  const p = graph.producer(output)!;
  for (const u of [...graph.consumers(output)]) graph.setInputs(u, u.inputs.map((x) => (x === output ? pruned : x)));
  graph.setOutput(p, p.outputs.indexOf(output), pruned);
  return graph.addNode({ opType: 'MatMul', name: `${output}/restore`, inputs: [pruned, weight], outputs: [output] }, [p]);
}
