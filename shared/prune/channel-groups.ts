// Which output channels can be removed together. A group starts at one layer's output channels
// and follows them through every consumer: ops that keep channels as they are (activations,
// pools, BatchNormalization, per-channel constants, depthwise Convs) carry them on; an
// elementwise op joining two computed tensors (a residual Add, x · sigmoid(x), a squeeze-excite
// scale) couples both sides, so their producers join the group; Concat, Flatten and a flattening
// Reshape carry them at an offset or stride to the next layer, whose input channels shrink. Any
// other consumer (Softmax, LayerNorm, a graph output) makes the group unsafe, and the group names
// that node. Multi-head attention prunes whole heads: when a layer's outputs are split into heads by
// a Reshape [B, S, H·D] → [B, S, H, D], the group's unit is a head (D channels), followed through
// Transpose, the attention MatMuls (which couple Q, K and V), scale, mask, Softmax, and the Reshape
// that merges the heads back, to the output projection's input rows; both Reshapes' literal H and
// H·D shrink. With `stream` on, the residual stream of a transformer (its hidden size) is a group
// too: embedding tables (Gather of an initializer) are its sources, LayerNorm over the channels
// (LayerNormalization, or ReduceMean over them) is crossed, its scale and bias sliced (not
// function-preserving: the mean and variance are then over the kept channels only, which the
// group reports), and a graph output of the stream keeps its width through a restoring MatMul.

import { attrInt, attrInts } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import type { ShapeInference } from '../shape/index.js';
import { constantOperand } from './constants.js';
import { shapeElement, type ShapeEdit } from './head-shapes.js';
import { layerWeight, type LayerWeight } from './weights.js';

/** Indices of channel c along `axis` of initializer `init`: [offset + c·stride, offset + (c+1)·stride). */
export interface ChannelEdit {
  init: string;
  axis: number;
  offset: number;
  stride: number;
}

/** A layer whose input channels shrink with the group (a least-squares refit can follow). */
export interface GroupConsumer {
  node: IrNode;
  /** The tensor it reads (pruned). */
  input: string;
}

export interface ChannelGroup {
  /** Channels (or heads) in the group: each source's output channels / unit. */
  size: number;
  /** Output channels per unit: 1, or the head size D when the group prunes attention heads. */
  unit: number;
  /** Layers whose output channels are the group's. */
  sources: LayerWeight[];
  edits: ChannelEdit[];
  /** Depthwise Convs whose `group` shrinks by the channels removed (at this offset and stride). */
  groupAttrs: { node: IrNode; offset: number; stride: number }[];
  consumers: GroupConsumer[];
  /** Literals of Reshape target shapes that hold the number of heads (or heads · D). */
  shapeEdits: ShapeEdit[];
  /** Values whose shapes change. */
  values: string[];
  /** Why the group cannot be pruned: the node that stops it. */
  unsafe?: { node: string; reason: string };
  /** A node normalizing over the group's channels (stream groups): pruning changes its statistics. */
  normalizedBy?: string;
  /** Graph outputs of the group (stream groups): each keeps its width through a MatMul from the kept channels. */
  restores: string[];
}

interface Visit {
  value: string;
  /** Channel axis, counted from the end (-1: last). */
  axis: number;
  /** Length of that axis. */
  size: number;
  offset: number;
  stride: number;
  /** The group's own channel space (not shifted by Concat or Flatten): may couple with others. */
  main: boolean;
  /** The axis indexes heads (a batch axis of the attention MatMuls), not channels. */
  heads?: boolean;
}

/** Thrown when a group's channels are split into heads of `dim` channels: the walk restarts with heads as its unit. */
class SplitIntoHeads extends Error {
  constructor(readonly dim: number) {
    super('split into heads');
  }
}

class Unsafe extends Error {
  constructor(readonly node: string, readonly reason: string) {
    super(reason);
  }
}

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign', 'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt',
  'Abs', 'Neg', 'Reciprocal', 'Identity', 'Cast', 'Floor', 'Ceil', 'Round', 'Sin', 'Cos', 'Mish', 'ThresholdedRelu', 'Clip', 'Dropout',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool', 'Pad', 'Resize', 'Upsample', 'ReduceMean', 'ReduceMax', 'ReduceSum', 'ReduceMin',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu']);

/** What decides whether a layer may lead or join a group (scope, exclusions). */
export type SourceFilter = (node: IrNode) => boolean;

/** Finds groups; shape inference of the unchanged model gives ranks and static channel counts. */
export class GroupFinder {
  constructor(
    private readonly graph: Graph,
    private readonly shapes: ShapeInference,
    private readonly allowed: SourceFilter,
    /** Follow the residual stream: embeddings, LayerNorm and graph outputs (see the header). */
    private readonly stream = false,
  ) {}

  private shape(value: string): (number | string | null)[] | undefined {
    const t = this.shapes.typeOf(this.graph, value);
    return t?.kind === 'tensor' && t.shape ? [...t.shape] : undefined;
  }

  private rank(value: string, at: IrNode): number {
    const s = this.shape(value);
    if (!s) throw new Unsafe(at.name, `the rank of '${value}' is not known`);
    return s.length;
  }

  private staticDim(value: string, axis: number, at: IrNode): number {
    const s = this.shape(value);
    const d = s?.[axis < 0 ? s.length + axis : axis];
    if (typeof d !== 'number') throw new Unsafe(at.name, `the size of axis ${axis} of '${value}' is not known`);
    return d;
  }

  /** Layers that may start a group: float32 weights, Conv/ConvTranspose of group 1. */
  source(node: IrNode): LayerWeight | undefined {
    const lw = layerWeight(this.graph, node);
    if (!lw) return undefined;
    if ((node.opType === 'Conv' || node.opType === 'ConvTranspose') && attrInt(node, 'group', 1) !== 1) return undefined;
    return lw;
  }

  /** The group of `start`'s output channels (of its heads, when a Reshape splits them into heads). */
  find(start: LayerWeight, unit = 1): ChannelGroup {
    const g: ChannelGroup = { size: start.dims[start.outAxis]! / unit, unit, sources: [], edits: [], groupAttrs: [], consumers: [], shapeEdits: [], values: [], restores: [] };
    const queue: Visit[] = [];
    const seen = new Set<string>();
    const editKeys = new Set<string>();
    const sourceNodes = new Set<IrNode>();
    const edit = (e: ChannelEdit, by: IrNode) => {
      if (this.graph.consumers(e.init).size > 1) throw new Unsafe(by.name, `initializer '${e.init}' is shared with other nodes`);
      const k = `${e.init}|${e.axis}|${e.offset}|${e.stride}`;
      if (!editKeys.has(k)) g.edits.push(e);
      editKeys.add(k);
    };
    const push = (v: Visit) => {
      const k = `${v.value}|${v.offset}|${v.stride}`;
      if (seen.has(k)) return;
      seen.add(k);
      queue.push(v);
    };
    const addSource = (lw: LayerWeight) => {
      const n = lw.node;
      if (sourceNodes.has(n)) return;
      if (!this.allowed(n)) throw new Unsafe(n.name, `its channels are coupled with the group's, and it is excluded or outside the selection`);
      const size = lw.dims[lw.outAxis]!;
      if (size !== g.size * unit) throw new Unsafe(n.name, `coupled layers have ${g.size * unit} and ${size} output channels`);
      sourceNodes.add(n);
      g.sources.push(lw);
      const whole = { offset: 0, stride: unit };
      edit({ init: lw.init, axis: lw.outAxis, ...whole }, n);
      const bias = n.inputs[2];
      if (bias) {
        const c = constantOperand(this.graph, bias);
        if (!c?.initializer) throw new Unsafe(n.name, `its bias '${bias}' is not an initializer`);
        const axis = c.dims.length - 1;
        if (axis >= 0 && c.dims[axis] === size && c.dims.slice(0, axis).every((d) => d === 1)) edit({ init: bias, axis, ...whole }, n);
        else if (c.dims.some((d) => d !== 1)) throw new Unsafe(n.name, `its bias '${bias}' of shape [${c.dims.join(',')}] is not per channel`);
      }
      const out = n.outputs[0]!;
      const axis = n.opType === 'Conv' || n.opType === 'ConvTranspose' ? 1 - lw.dims.length : n.opType === 'Gather' ? lw.outAxis - lw.dims.length : -1;
      push({ value: out, axis, size, ...whole, main: true });
    };
    try {
      if (!this.allowed(start.node)) throw new Unsafe(start.node.name, 'excluded or outside the selection');
      addSource(start);
      while (queue.length) {
        const v = queue.shift()!;
        g.values.push(v.value);
        if (this.graph.isGraphOutput(v.value)) {
          if (!this.stream || !v.main || unit !== 1) throw new Unsafe(v.value, `'${v.value}' is a graph output (its shape would change)`);
          if (!g.restores.includes(v.value)) g.restores.push(v.value);
        }
        if (this.graph.subgraphReaders(v.value).length) throw new Unsafe(this.graph.subgraphReaders(v.value)[0]!.name, `a subgraph reads '${v.value}'`);
        if (v.main) this.backward(v, addSource, push, g);
        for (const c of this.graph.consumers(v.value)) {
          if (v.heads) this.forwardHeads(c, v, g, push);
          else this.forward(c, v, g, edit, push);
        }
      }
      // Only the residual stream (normalized over its channels) keeps its outputs' width by a restoring MatMul.
      if (g.restores.length && !g.normalizedBy) throw new Unsafe(g.restores[0]!, `'${g.restores[0]}' is a graph output (its shape would change)`);
    } catch (e) {
      if (e instanceof SplitIntoHeads && unit === 1) return this.find(start, e.dim);
      if (!(e instanceof Unsafe)) throw e;
      g.unsafe = { node: e.node, reason: e.reason };
    }
    return g;
  }

  // Where a coupled tensor comes from: a layer joins as a source, channel-keeping ops pass on.
  private backward(v: Visit, addSource: (lw: LayerWeight) => void, push: (v: Visit) => void, g: ChannelGroup): void {
    const p = this.graph.producer(v.value);
    if (!p) throw new Unsafe(v.value, `graph input '${v.value}' is coupled with the pruned channels`);
    if (v.heads) {
      this.backwardHeads(p, v, g, push);
      return;
    }
    const lw = p.outputs[0] === v.value ? this.source(p) : undefined;
    if (lw) {
      const outAxis = p.opType === 'Conv' || p.opType === 'ConvTranspose' ? 1 - lw.dims.length : -1;
      if (outAxis !== v.axis) throw new Unsafe(p.name, `its output channels are not on the coupled axis`);
      addSource(lw);
      return;
    }
    const same = (value: string) => push({ ...v, value });
    if (p.opType === 'Gather' && p.inDefaultDomain) {
      const table = this.stream ? this.embedding(p) : undefined;
      if (table) {
        if (table.outAxis - table.dims.length !== v.axis) throw new Unsafe(p.name, 'its table\'s last axis is not the coupled axis');
        addSource(table);
        return;
      }
      this.checkGather(p, v, p.inputs[0]!);
      same(p.inputs[0]!);
      return;
    }
    if (this.stream && p.opType === 'LayerNormalization' && p.inDefaultDomain) {
      same(p.inputs[0]!);
      return;
    }
    if (UNARY.has(p.opType) || p.opType === 'BatchNormalization' || p.opType === 'InstanceNormalization') {
      same(p.inputs[0]!);
      return;
    }
    if (p.opType === 'Conv' && this.isDepthwise(p, v.size)) {
      same(p.inputs[0]!);
      return;
    }
    if (BINARY.has(p.opType)) {
      for (const u of p.inputs) if (u && !constantOperand(this.graph, u) && !this.broadcastsChannel(u, v.axis)) same(u);
      return;
    }
    throw new Unsafe(p.name, `${p.opType} produces '${v.value}', which is coupled with the pruned channels`);
  }

  // An embedding lookup: Gather along axis 0 of a float32 2-D initializer table; its last axis are channels.
  private embedding(p: IrNode): LayerWeight | undefined {
    const table = p.inputs[0]!;
    const t = this.graph.initializers.get(table);
    if (!t || t.dataType !== 1 || t.dims?.length !== 2 || attrInt(p, 'axis', 0) !== 0) return undefined;
    const dims = t.dims.map(Number);
    return { node: p, init: table, dims, outAxis: 1, inAxis: 0 };
  }

  // Gather along an axis before the channels keeps them (the channel axis counted from the end stays).
  private checkGather(c: IrNode, v: Visit, data: string): void {
    const r = this.rank(data, c);
    const a = attrInt(c, 'axis', 0);
    if ((a < 0 ? a + r : a) >= r + v.axis) throw new Unsafe(c.name, 'Gather along the channel axis');
  }

  // Shape of a tensor with pruned channels is harmless when only other axes' sizes are read (Gather of constant indices).
  private checkShape(c: IrNode, v: Visit): void {
    const r = this.rank(v.value, c);
    const ci = r + v.axis;
    const start = attrInt(c, 'start', 0);
    const end = attrInt(c, 'end', r);
    const [s, e] = [start < 0 ? start + r : start, end < 0 ? end + r : Math.min(end, r)];
    if (ci < s || ci >= e) return;
    for (const u of this.graph.consumers(c.outputs[0]!)) {
      const idx = u.opType === 'Gather' && u.inputs[0] === c.outputs[0] ? constantOperand(this.graph, u.inputs[1]!)?.values : undefined;
      if (!idx || idx.some((i) => (i < 0 ? i + (e - s) : i) === ci - s)) throw new Unsafe(u.name, `${u.opType} reads the channel count of '${v.value}' from ${c.name}`);
    }
    if (this.graph.isGraphOutput(c.outputs[0]!)) throw new Unsafe(c.name, `the shape of '${v.value}' is a graph output`);
  }

  private isDepthwise(n: IrNode, size: number): boolean {
    const w = n.inputs[1] ? constantOperand(this.graph, n.inputs[1]) : undefined;
    return !!w?.initializer && attrInt(n, 'group', 1) === size && w.dims[0] === size && w.dims[1] === 1;
  }

  // A computed operand whose channel axis has length 1 broadcasts over the channels.
  private broadcastsChannel(u: string, axis: number): boolean {
    const s = this.shape(u);
    if (!s) return false;
    const i = s.length + axis;
    return i < 0 || s[i] === 1;
  }

  private forward(c: IrNode, v: Visit, g: ChannelGroup, edit: (e: ChannelEdit, by: IrNode) => void, push: (v: Visit) => void): void {
    const same = () => push({ ...v, value: c.outputs[0]! });
    const map = { offset: v.offset, stride: v.stride };
    if (!c.inDefaultDomain) throw new Unsafe(c.name, `${c.domain}.${c.opType} consumes '${v.value}'`);
    if (c.inputs[0] !== v.value && !BINARY.has(c.opType) && c.opType !== 'Concat') throw new Unsafe(c.name, `${c.opType} reads '${v.value}' as input ${c.inputs.indexOf(v.value)}`);
    const extraOutputs = c.outputs.slice(1).some(Boolean);
    if (c.opType === 'Shape') {
      this.checkShape(c, v);
      return;
    }
    if (c.opType === 'Gather') {
      this.checkGather(c, v, v.value);
      same();
      return;
    }
    if (this.stream && v.main && v.stride === 1 && this.normalizes(c, v)) {
      g.normalizedBy ??= c.name;
      if (c.opType === 'ReduceMean') return;
      if (extraOutputs) throw new Unsafe(c.name, 'LayerNormalization whose mean or inverse deviation is used');
      for (const u of c.inputs.slice(1)) {
        if (!u) continue;
        const k = constantOperand(this.graph, u);
        if (!k?.initializer || k.dims.length !== 1) throw new Unsafe(c.name, `its parameter '${u}' is not a 1-D initializer`);
        edit({ init: u, axis: 0, ...map }, c);
      }
      same();
      return;
    }
    if (UNARY.has(c.opType)) {
      if (extraOutputs && c.opType !== 'Dropout') throw new Unsafe(c.name, `${c.opType} has a second output`);
      if (c.opType === 'Pad') this.checkPad(c, v);
      if (c.opType === 'Resize' || c.opType === 'Upsample') this.checkResize(c, v);
      if (c.opType.startsWith('Reduce')) this.checkReduce(c, v);
      if (c.opType === 'Clip') for (const u of c.inputs.slice(1)) if (u && !constantOperand(this.graph, u)) throw new Unsafe(c.name, 'Clip bounds are computed');
      same();
      return;
    }
    switch (c.opType) {
      case 'BatchNormalization':
      case 'InstanceNormalization': {
        if (extraOutputs) throw new Unsafe(c.name, 'BatchNormalization in training mode');
        if (v.axis !== 1 - this.rank(v.value, c)) throw new Unsafe(c.name, `the pruned channels are not its axis 1`);
        for (const u of c.inputs.slice(1)) {
          const k = constantOperand(this.graph, u);
          if (!k?.initializer) throw new Unsafe(c.name, `its parameter '${u}' is not an initializer`);
          edit({ init: u, axis: 0, ...map }, c);
        }
        same();
        return;
      }
      case 'Conv': {
        const w = constantOperand(this.graph, c.inputs[1]!);
        if (!w?.initializer) throw new Unsafe(c.name, 'its weight is not an initializer');
        if (v.axis !== 1 - w.dims.length) throw new Unsafe(c.name, 'the pruned channels are not its input channels');
        if (attrInt(c, 'group', 1) === 1) {
          edit({ init: c.inputs[1]!, axis: 1, ...map }, c);
          g.consumers.push({ node: c, input: v.value });
          return;
        }
        if (!this.isDepthwise(c, v.size)) throw new Unsafe(c.name, `grouped Conv (group ${attrInt(c, 'group', 1)}) that is not depthwise`);
        edit({ init: c.inputs[1]!, axis: 0, ...map }, c);
        if (c.inputs[2]) edit({ init: c.inputs[2], axis: 0, ...map }, c);
        g.groupAttrs.push({ node: c, ...map });
        same();
        return;
      }
      case 'ConvTranspose': {
        const w = constantOperand(this.graph, c.inputs[1]!);
        if (!w?.initializer || attrInt(c, 'group', 1) !== 1 || v.axis !== 1 - w.dims.length) throw new Unsafe(c.name, 'ConvTranspose that is grouped, or whose weight is computed');
        edit({ init: c.inputs[1]!, axis: 0, ...map }, c);
        g.consumers.push({ node: c, input: v.value });
        return;
      }
      case 'Gemm':
      case 'MatMul': {
        const lw = layerWeight(this.graph, c);
        if (!lw || v.axis !== -1 || (c.opType === 'Gemm' && attrInt(c, 'transA', 0) !== 0)) throw new Unsafe(c.name, `${c.opType} whose weight is computed, or that does not reduce over the pruned channels`);
        edit({ init: lw.init, axis: lw.inAxis, ...map }, c);
        g.consumers.push({ node: c, input: v.value });
        return;
      }
      case 'Concat': {
        const r = this.rank(v.value, c);
        const a = attrInt(c, 'axis', 0);
        if ((a < 0 ? a : a - r) !== v.axis) throw new Unsafe(c.name, 'Concat along another axis than the channels');
        const total = this.staticDim(c.outputs[0]!, v.axis, c);
        let offset = 0;
        for (const u of c.inputs) {
          if (u === v.value) push({ value: c.outputs[0]!, axis: v.axis, size: total, offset: offset + v.offset, stride: v.stride, main: false });
          offset += this.staticDim(u, v.axis, c);
        }
        return;
      }
      case 'Flatten':
      case 'Reshape': {
        const split = c.opType === 'Reshape' ? this.headSplit(c) : undefined;
        if (split) {
          if (!v.main || v.offset !== 0 || v.axis !== -1) throw new Unsafe(c.name, 'Reshape into heads of channels shifted by a Concat or Flatten');
          if (g.unit === 1 && v.stride === 1 && split.dim > 1) throw new SplitIntoHeads(split.dim);
          this.enterHeads(c, split, g, push);
          return;
        }
        const r = this.rank(v.value, c);
        const at = r + v.axis;
        if (c.opType === 'Flatten' && attrInt(c, 'axis', 1) !== at) throw new Unsafe(c.name, 'Flatten does not start at the channel axis');
        if (c.opType === 'Reshape') {
          const s = constantOperand(this.graph, c.inputs[1]!)?.values;
          const first = this.shape(v.value)?.[0];
          if (at !== 1 || !s || s.length !== 2 || s[1] !== -1 || !(s[0] === 0 || s[0] === first)) throw new Unsafe(c.name, 'Reshape other than flattening from the channel axis');
        }
        let inner = 1;
        for (let k = at + 1; k < r; k++) inner *= this.staticDim(v.value, k, c);
        push({ value: c.outputs[0]!, axis: -1, size: v.size * inner, offset: v.offset * inner, stride: v.stride * inner, main: false });
        return;
      }
    }
    if (BINARY.has(c.opType)) {
      for (const u of c.inputs) {
        if (!u || u === v.value) continue;
        const k = constantOperand(this.graph, u);
        if (k) {
          const i = k.dims.length + v.axis;
          if (i < 0 || k.dims[i] === 1) continue;
          if (k.dims[i] !== v.size) throw new Unsafe(c.name, `its operand '${u}' of shape [${k.dims.join(',')}] does not broadcast over the channels`);
          if (!k.initializer) throw new Unsafe(c.name, `its per-channel operand '${u}' is a Constant node`);
          edit({ init: u, axis: i, ...map }, c);
        } else if (!this.broadcastsChannel(u, v.axis)) {
          if (!v.main) throw new Unsafe(c.name, `${c.opType} joins channels shifted by a Concat or Flatten with '${u}'`);
          push({ ...v, value: u });
        }
      }
      same();
      return;
    }
    throw new Unsafe(c.name, `${c.opType} consumes '${v.value}'`);
  }

  // LayerNormalization over the last axis only, or a ReduceMean (keepdims) over the channel axis only, as a decomposed LayerNorm's.
  private normalizes(c: IrNode, v: Visit): boolean {
    if (v.axis !== -1 || c.inputs[0] !== v.value) return false;
    const r = this.rank(v.value, c);
    if (c.opType === 'LayerNormalization') {
      const a = attrInt(c, 'axis', -1);
      return (a < 0 ? a + r : a) === r - 1;
    }
    if (c.opType !== 'ReduceMean' || attrInt(c, 'keepdims', 1) !== 1) return false;
    const axes = c.inputs[1] ? constantOperand(this.graph, c.inputs[1])?.values : attrInts(c, 'axes');
    return !!axes && axes.length === 1 && (axes[0]! < 0 ? axes[0]! : axes[0]! - r) === -1;
  }

  // [.., H·D] → [.., H, D] (shapes from inference): a split of the channels into H heads of D.
  private headSplit(c: IrNode): { heads: number; dim: number } | undefined {
    const si = this.shape(c.inputs[0]!);
    const so = this.shape(c.outputs[0]!);
    if (!si || !so || so.length !== si.length + 1 || si.length < 2) return undefined;
    const [h, d] = so.slice(-2);
    if (typeof h !== 'number' || typeof d !== 'number' || h * d !== si[si.length - 1]) return undefined;
    return { heads: h, dim: d };
  }

  // The literal of `c`'s target shape at `index` that holds `expected` (shrinking by `per` per head removed); -1 needs none.
  private shapeLiteral(c: IrNode, index: number, expected: number, per: number, g: ChannelGroup): void {
    if (attrInt(c, 'allowzero', 0) !== 0) throw new Unsafe(c.name, 'Reshape with allowzero');
    const shape = c.inputs[1]!;
    if (this.graph.consumers(shape).size > 1) throw new Unsafe(c.name, `its target shape '${shape}' is shared with other nodes`);
    const lengthOf = (value: string) => constantOperand(this.graph, value)?.dims[0] ?? (this.shape(value)?.[0] as number | undefined);
    const e = shapeElement(this.graph, shape, index, (value) => (typeof lengthOf(value) === 'number' ? lengthOf(value) : undefined));
    if (e && e !== 'computed' && e.literal === -1) return;
    if (!e || e === 'computed' || e.literal !== expected) throw new Unsafe(c.name, `the ${per === 1 ? 'number of heads' : 'merged width'} in its target shape is not the literal ${expected} or -1`);
    const writable = this.graph.initializers.has(e.value) || !!this.graph.producer(e.value)?.attribute('value')?.t;
    if (!writable || this.graph.consumers(e.value).size > 1) throw new Unsafe(c.name, `the shape constant '${e.value}' is shared or cannot be rewritten`);
    if (!g.shapeEdits.some((x) => x.value === e.value && x.index === e.index)) g.shapeEdits.push({ value: e.value, index: e.index, per });
  }

  // A split into heads reached from its input: the head axis of its output is followed from here.
  private enterHeads(c: IrNode, split: { heads: number; dim: number }, g: ChannelGroup, push: (v: Visit) => void): void {
    if (split.dim !== g.unit || split.heads !== g.size) throw new Unsafe(c.name, `Reshape into ${split.heads} heads of ${split.dim}, the group has ${g.size} of ${g.unit}`);
    this.shapeLiteral(c, this.rank(c.outputs[0]!, c) - 2, split.heads, 1, g);
    push({ value: c.outputs[0]!, axis: -2, size: split.heads, offset: 0, stride: 1, main: true, heads: true });
  }

  private perm(c: IrNode, r: number): number[] {
    const p = attrInts(c, 'perm') ?? [...Array(r).keys()].reverse();
    if (p.length !== r) throw new Unsafe(c.name, 'Transpose whose perm does not match the rank');
    return p;
  }

  // Heads flow forward: Transpose moves the head axis, the attention MatMuls and elementwise ops keep it (coupling what
  // they meet), Softmax keeps it when it normalises a later axis, and the Reshape merging [.., H, D] → [.., H·D] ends it.
  private forwardHeads(c: IrNode, v: Visit, g: ChannelGroup, push: (v: Visit) => void): void {
    if (!c.inDefaultDomain) throw new Unsafe(c.name, `${c.domain}.${c.opType} consumes '${v.value}', which is split into heads`);
    const r = this.rank(v.value, c);
    const same = () => push({ ...v, value: c.outputs[0]! });
    const couple = (u: string) => {
      const k = constantOperand(this.graph, u);
      if (k ? !(k.dims.length + v.axis < 0 || k.dims[k.dims.length + v.axis] === 1) : !this.broadcastsChannel(u, v.axis)) {
        if (k) throw new Unsafe(c.name, `its constant operand '${u}' differs per head`);
        push({ ...v, value: u });
      }
    };
    if (c.opType === 'Transpose') {
      const j = this.perm(c, r).indexOf(r + v.axis);
      push({ ...v, value: c.outputs[0]!, axis: j - r });
      return;
    }
    if (c.opType === 'Softmax' || c.opType === 'LogSoftmax') {
      const a = attrInt(c, 'axis', -1);
      if ((a < 0 ? a + r : a) <= r + v.axis) throw new Unsafe(c.name, `${c.opType} over the head axis`);
      same();
      return;
    }
    if (c.opType === 'MatMul') {
      if (v.axis > -3) throw new Unsafe(c.name, `MatMul reduces or keeps the head axis of '${v.value}' as a matrix axis`);
      for (const u of c.inputs) if (u !== v.value) couple(u);
      same();
      return;
    }
    if (c.opType === 'Reshape') {
      const merge = this.headMerge(c, v);
      if (!merge || merge !== g.size * g.unit) throw new Unsafe(c.name, `Reshape of '${v.value}' other than merging the heads back ([.., H, D] → [.., H·D])`);
      this.shapeLiteral(c, r - 2, merge, g.unit, g);
      push({ value: c.outputs[0]!, axis: -1, size: merge, offset: 0, stride: g.unit, main: false });
      return;
    }
    if (BINARY.has(c.opType)) {
      for (const u of c.inputs) if (u && u !== v.value) couple(u);
      same();
      return;
    }
    if (UNARY.has(c.opType) && !/Pool|Pad|Resize|Upsample|Reduce/.test(c.opType) && (c.opType === 'Dropout' || !c.outputs.slice(1).some(Boolean))) {
      if (c.inputs[0] !== v.value) throw new Unsafe(c.name, `${c.opType} reads '${v.value}' as input ${c.inputs.indexOf(v.value)}`);
      same();
      return;
    }
    throw new Unsafe(c.name, `${c.opType} consumes '${v.value}', which is split into heads`);
  }

  // [.., H, D] → [.., H·D] with the heads on axis -2: the width H·D, or undefined.
  private headMerge(c: IrNode, v: Visit): number | undefined {
    const si = this.shape(c.inputs[0]!);
    const so = this.shape(c.outputs[0]!);
    if (c.inputs[0] !== v.value || v.axis !== -2 || !si || !so || so.length !== si.length - 1) return undefined;
    const [h, d] = si.slice(-2);
    return typeof d === 'number' && h === v.size && so.at(-1) === v.size * d ? v.size * d : undefined;
  }

  // Heads flow backward, to the other operands of the attention MatMuls, through to their split and projection.
  private backwardHeads(p: IrNode, v: Visit, g: ChannelGroup, push: (v: Visit) => void): void {
    const r = this.rank(v.value, p);
    const same = (value: string) => push({ ...v, value });
    if (!p.inDefaultDomain) throw new Unsafe(p.name, `${p.domain}.${p.opType} produces '${v.value}', whose heads are coupled with the pruned ones`);
    if (p.opType === 'Transpose') {
      push({ ...v, value: p.inputs[0]!, axis: this.perm(p, r)[r + v.axis]! - this.rank(p.inputs[0]!, p) });
      return;
    }
    if (p.opType === 'Reshape' && v.axis === -2) {
      const split = this.headSplit(p);
      if (split && split.heads === g.size && split.dim === g.unit) {
        this.shapeLiteral(p, r - 2, split.heads, 1, g);
        push({ value: p.inputs[0]!, axis: -1, size: g.size * g.unit, offset: 0, stride: g.unit, main: true });
        return;
      }
    }
    if (p.opType === 'MatMul' && v.axis <= -3) {
      for (const u of p.inputs) if (!constantOperand(this.graph, u) && !this.broadcastsChannel(u, v.axis)) same(u);
      return;
    }
    if ((p.opType === 'Softmax' || p.opType === 'LogSoftmax') && (attrInt(p, 'axis', -1) < 0 ? attrInt(p, 'axis', -1) + r : attrInt(p, 'axis', -1)) <= r + v.axis) {
      throw new Unsafe(p.name, `${p.opType} over the head axis`);
    }
    if (BINARY.has(p.opType) || p.opType === 'Softmax' || p.opType === 'LogSoftmax' || p.opType === 'Dropout' || p.opType === 'Identity' || p.opType === 'Cast') {
      for (const u of p.opType === 'Dropout' ? [p.inputs[0]!] : p.inputs) if (u && !constantOperand(this.graph, u) && !this.broadcastsChannel(u, v.axis)) same(u);
      return;
    }
    throw new Unsafe(p.name, `${p.opType} produces '${v.value}', whose heads are coupled with the pruned ones`);
  }

  private checkPad(c: IrNode, v: Visit): void {
    const r = this.rank(v.value, c);
    const pads = c.inputs[1] ? constantOperand(this.graph, c.inputs[1])?.values : attrInts(c, 'pads');
    if (!pads || c.inputs[3]) throw new Unsafe(c.name, 'Pad whose pads are computed or given per axes');
    if (pads[r + v.axis] !== 0 || pads[2 * r + v.axis] !== 0) throw new Unsafe(c.name, 'Pad pads the channel axis');
  }

  // Resizing keeps the channels when its channel scale is 1; sizes name the channel count, which would change.
  private checkResize(c: IrNode, v: Visit): void {
    const r = this.rank(v.value, c);
    const scalesAt = c.opType === 'Upsample' ? 1 : 2;
    const scales = c.inputs[scalesAt] ? constantOperand(this.graph, c.inputs[scalesAt])?.values : c.attribute('scales')?.floats;
    if (c.inputs[3] || !scales || scales[r + v.axis] !== 1) throw new Unsafe(c.name, `${c.opType} whose scales are computed, given as sizes, or scale the channels`);
  }

  private checkReduce(c: IrNode, v: Visit): void {
    const r = this.rank(v.value, c);
    const axes = c.inputs[1] ? constantOperand(this.graph, c.inputs[1])?.values : attrInts(c, 'axes');
    if (!axes || attrInt(c, 'keepdims', 1) !== 1 || axes.some((a) => (a < 0 ? a : a - r) === v.axis)) throw new Unsafe(c.name, `${c.opType} over the channel axis (or without keepdims)`);
  }
}
