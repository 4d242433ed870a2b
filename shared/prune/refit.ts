// Recovery without training, one layer at a time: a least-squares refit of a layer's weights (and
// intercept) so that on the calibration activations of the pruned model it gives the original
// model's outputs, and bias correction (the mean output shift of each channel added to its bias).

import { attrFloat, attrInt, attrInts, attrString } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import { NormalEquations } from './ridge.js';
import { layerWeight, readWeight, writeWeight } from './weights.js';

/** The relative λs tried when none is given. */
export const RIDGE_CANDIDATES = [1e-4, 1e-3, 1e-2, 0.1, 1];

/** One sample's value of a tensor. */
export interface Activation {
  dims: readonly number[];
  data: ArrayLike<number>;
}

export interface RefitOptions {
  /** λ relative to the mean diagonal of XᵀX; undefined: chosen among RIDGE_CANDIDATES on held-out samples (a quarter of them). */
  ridge?: number;
  /** Rows used at most (sampled evenly over samples and positions). */
  maxRows: number;
}

/** Where a layer's per-channel intercept lives: its bias input, or the Add of a constant right after a MatMul. */
interface InterceptSlot {
  read(): Float32Array;
  /** Sets the intercept to `values` (the Add after a MatMul keeps what it added before: `values` is added). */
  write(values: Float32Array, mode: 'set' | 'add'): void;
}

export function interceptSlot(graph: Graph, node: IrNode, outs: number): InterceptSlot | undefined {
  const existing = (name: string): InterceptSlot | undefined => {
    const w = readWeight(graph, name);
    if (!w || w.values.length !== outs || graph.consumers(name).size !== 1) return undefined;
    return {
      read: () => readWeight(graph, name)!.values,
      write: (v, mode) => writeWeight(graph, name, w.dims, mode === 'set' ? v : v.map((x, i) => x + readWeight(graph, name)!.values[i]!)),
    };
  };
  if (node.opType === 'Conv' || node.opType === 'ConvTranspose' || node.opType === 'Gemm') {
    if (node.inputs[2]) return existing(node.inputs[2]);
    return {
      read: () => new Float32Array(outs),
      write: (v) => {
        let name = `${node.name || node.outputs[0]}.bias`;
        while (graph.initializers.has(name) || graph.defines(name)) name += '_';
        writeWeight(graph, name, [outs], v);
        graph.setInputs(node, [node.inputs[0]!, node.inputs[1]!, name]);
      },
    };
  }
  if (node.opType !== 'MatMul') return undefined;
  const users = [...graph.consumers(node.outputs[0]!)];
  const add = users.length === 1 && users[0]!.opType === 'Add' ? users[0]! : undefined;
  const other = add?.inputs.find((u) => u !== node.outputs[0]);
  const slot = other ? existing(other) : undefined;
  // The Add's constant already adds to y: the fitted intercept (of y before it) is added to it.
  return slot && { read: () => new Float32Array(outs), write: (v) => slot.write(v, 'add') };
}

/** Where a layer's tensors (its input or output) hold channels: axis 1 for Conv and ConvTranspose (the positions after it), the last axis for Gemm and MatMul. */
export function channelLayout(opType: string, dims: readonly number[]): { channels: number; inner: number } {
  if (opType === 'Conv' || opType === 'ConvTranspose') return { channels: dims[1]!, inner: dims.slice(2).reduce((a, b) => a * b, 1) };
  return { channels: dims[dims.length - 1]!, inner: 1 };
}

const outputLayout = (node: IrNode, dims: readonly number[]) => channelLayout(node.opType, dims);

/** What a refit or correction did. */
export interface LayerRecovery {
  node: string;
  kind: 'refit' | 'bias';
  rows?: number;
  cols?: number;
  /** The relative λ used (chosen on held-out samples unless given); null: no λ did better than the layer as pruned. */
  ridge?: number | null;
  /** Why it was skipped. */
  skipped?: string;
}

/**
 * Refits `node` (Conv or ConvTranspose 2-D of group 1, Gemm, MatMul with a constant weight): `inputs` are its
 * input on the pruned model, `targets` its output on the original; `keptOut` the original output
 * channels it still has (all when undefined).
 */
export function refitLayer(graph: Graph, node: IrNode, inputs: readonly Activation[], targets: readonly Activation[], keptOut: readonly number[] | undefined, o: RefitOptions): LayerRecovery {
  const lw = layerWeight(graph, node);
  const skip = (why: string): LayerRecovery => ({ node: node.name, kind: 'refit', skipped: why });
  if (!lw) return skip('not a Conv, ConvTranspose, Gemm or MatMul with a float32 weight');
  if (node.opType === 'Gemm' && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1 || attrInt(node, 'transA', 0) !== 0)) return skip('Gemm with alpha, beta or transA');
  const transposed = node.opType === 'ConvTranspose';
  const conv = node.opType === 'Conv' || transposed;
  if (conv && (lw.dims.length !== 4 || attrInt(node, 'group', 1) !== 1 || attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET')) return skip(`${node.opType} other than 2-D, group 1, explicit pads`);
  const full = outputLayout(node, targets[0]!.dims).channels;
  const kept = keptOut ?? [...Array(full).keys()];
  const outs = kept.length;
  if (lw.dims[lw.outAxis] !== outs) return skip(`weight has ${lw.dims[lw.outAxis]} output channels, expected ${outs}`);
  const slot = interceptSlot(graph, node, outs);
  const k = lw.dims[lw.inAxis]!;
  const kh = conv ? lw.dims[2]! : 1;
  const kw = conv ? lw.dims[3]! : 1;
  const features = k * kh * kw;
  const cols = features + (slot ? 1 : 0);
  // With a λ to choose, every fourth sample's rows validate the candidates (samples, not rows: neighbouring pixels are alike).
  const choose = o.ridge === undefined && targets.length >= 4;
  const fitEq = new NormalEquations(cols, outs);
  const valEq = new NormalEquations(cols, outs);
  const x = new Float64Array(cols);
  const y = new Float64Array(outs);
  if (slot) x[features] = 1;
  const rowsOf = (t: Activation) => (conv ? t.dims[0]! * t.dims[2]! * t.dims[3]! : t.data.length / t.dims[t.dims.length - 1]!);
  const total = targets.reduce((a, t) => a + rowsOf(t), 0);
  const step = Math.max(1, Math.ceil(total / o.maxRows));
  let g = 0;
  const [sh, sw] = conv ? (attrInts(node, 'strides') ?? [1, 1]) : [1, 1];
  const [dh, dw] = conv ? (attrInts(node, 'dilations') ?? [1, 1]) : [1, 1];
  const pads = conv ? (attrInts(node, 'pads') ?? [0, 0, 0, 0]) : [0, 0, 0, 0];
  // The input row (column) a kernel tap reads for an output row: Conv's im2col; ConvTranspose's output gathers input iy
  // through tap ky where oy = iy·s − pad + ky·d (−1: none).
  const tap = transposed
    ? (o: number, kk: number, st: number, d: number, pad: number) => {
        const n = o + pad - kk * d;
        return n % st === 0 ? n / st : -1;
      }
    : (o: number, kk: number, st: number, d: number, pad: number) => o * st - pad + kk * d;
  for (const [s, t] of targets.entries()) {
    const a = inputs[s]!;
    const eq = choose && s % 4 === 3 ? valEq : fitEq;
    if (conv) {
      const [n, c, h, w] = a.dims as number[];
      const [, , oh, ow] = t.dims as number[];
      if (c !== k) return skip(`input has ${c} channels, weight ${k}`);
      for (let b = 0; b < n!; b++) {
        for (let oy = 0; oy < oh!; oy++) {
          for (let ox = 0; ox < ow!; ox++, g++) {
            if (g % step) continue;
            let f = 0;
            for (let ci = 0; ci < c!; ci++) {
              for (let ky = 0; ky < kh; ky++) {
                const iy = tap(oy, ky, sh!, dh!, pads[0]!);
                for (let kx = 0; kx < kw; kx++, f++) {
                  const ix = tap(ox, kx, sw!, dw!, pads[1]!);
                  x[f] = iy >= 0 && iy < h! && ix >= 0 && ix < w! ? a.data[((b * c! + ci) * h! + iy) * w! + ix]! : 0;
                }
              }
            }
            for (let q = 0; q < outs; q++) y[q] = t.data[((b * full + kept[q]!) * oh! + oy) * ow! + ox]!;
            eq.add(x, y);
          }
        }
      }
    } else {
      const rows = rowsOf(t);
      if (a.dims[a.dims.length - 1] !== k) return skip(`input has ${a.dims[a.dims.length - 1]} features, weight ${k}`);
      for (let r = 0; r < rows; r++, g++) {
        if (g % step) continue;
        for (let f = 0; f < k; f++) x[f] = a.data[r * k + f]!;
        for (let q = 0; q < outs; q++) y[q] = t.data[r * full + kept[q]!]!;
        eq.add(x, y);
      }
    }
  }
  // Where feature f's weight for output q lies in the layer's weight tensor.
  const at = (f: number, q: number) =>
    transposed ? (Math.floor(f / (kh * kw)) * outs + q) * kh * kw + (f % (kh * kw)) : conv ? q * features + f : lw.outAxis === 1 ? f * outs + q : q * k + f;
  // The ridge pulls toward the pruned layer's own weights (the original's, sliced), not toward zero: where rows are few
  // (a squeeze-excite Conv sees one per sample) the refit stays near what the layer was.
  const current = readWeight(graph, lw.init)!.values;
  const bias = slot?.read();
  const prior = new Float64Array(cols * outs);
  for (let f = 0; f < features; f++) for (let q = 0; q < outs; q++) prior[f * outs + q] = current[at(f, q)]!;
  if (slot) for (let q = 0; q < outs; q++) prior[features * outs + q] = bias![q]!;
  const chosen = chooseSolution(fitEq, valEq, prior, features, outs, !!slot, choose ? undefined : (o.ridge ?? 0.1));
  const rows = fitEq.rows;
  if (chosen.biasOnly) {
    slot!.write(Float32Array.from({ length: outs }, (_, q) => chosen.w![features * outs + q]!), 'set');
    return { node: node.name, kind: 'bias', rows, cols, ridge: null };
  }
  if (!chosen.w) return { node: node.name, kind: 'refit', rows, cols, ridge: null, skipped: 'the layer as pruned did better on held-out samples than any refit' };
  const sol = chosen.w;
  const ridge = chosen.ridge!;
  const wv = new Float32Array(lw.dims.reduce((p, d) => p * d, 1));
  for (let f = 0; f < features; f++) for (let q = 0; q < outs; q++) wv[at(f, q)] = sol[f * outs + q]!;
  writeWeight(graph, lw.init, lw.dims, wv);
  if (slot) slot.write(Float32Array.from({ length: outs }, (_, q) => sol[features * outs + q]!), 'set');
  return { node: node.name, kind: 'refit', rows, cols, ridge };
}

/** What chooseSolution picked: the weights (features × outs, then the intercept row), or null to keep the layer as it is. */
export interface ChosenSolution {
  w: Float64Array | null;
  ridge: number | null;
  biasOnly: boolean;
}

/**
 * Solves the fit with `ridge` (toward `prior`), or with none given picks on `valEq`'s rows the best of: the layer as it is,
 * its intercept alone refitted (bias correction), and each of RIDGE_CANDIDATES. `valEq` is merged into `fitEq` before the final solve.
 */
export function chooseSolution(fitEq: NormalEquations, valEq: NormalEquations, prior: Float64Array, features: number, outs: number, intercept: boolean, ridge: number | undefined): ChosenSolution {
  let pick: number | null = ridge ?? null;
  let biasOnly = false;
  if (ridge === undefined) {
    // A refit that does worse on the held-out samples than the layer as it is is not made.
    let best = valEq.squaredError(prior);
    if (intercept) {
      const e = valEq.squaredError(withFittedIntercept(fitEq, prior, features, outs));
      if (e < best) [best, biasOnly] = [e, true];
    }
    for (const c of RIDGE_CANDIDATES) {
      const e = valEq.squaredError(fitEq.solve(c, intercept ? 1 : 0, prior));
      if (e < best) [best, pick, biasOnly] = [e, c, false];
    }
  }
  fitEq.merge(valEq);
  if (biasOnly) return { w: withFittedIntercept(fitEq, prior, features, outs), ridge: null, biasOnly };
  if (pick === null) return { w: null, ridge: null, biasOnly };
  return { w: fitEq.solve(pick, intercept ? 1 : 0, prior), ridge: pick, biasOnly };
}

// `w` (features × outs, then the intercept row) with the intercept that is best for its weights: mean(y) − mean(x)·W, from
// the normal equations (the intercept's column of XᵀX holds Σx and the row count, its row of XᵀY holds Σy).
function withFittedIntercept(eq: NormalEquations, w: Float64Array, features: number, outs: number): Float64Array {
  const out = w.slice();
  const cols = features + 1;
  const n = eq.gram[features * cols + features]! || 1;
  for (let q = 0; q < outs; q++) {
    let s = eq.cross[features * outs + q]!;
    for (let f = 0; f < features; f++) s -= eq.gram[f * cols + features]! * w[f * outs + q]!;
    out[features * outs + q] = s / n;
  }
  return out;
}

/** Mean of each output channel over samples and positions. */
function channelMeans(node: IrNode, samples: readonly Activation[], keptOut?: readonly number[]): Float64Array {
  const { channels } = outputLayout(node, samples[0]!.dims);
  const kept = keptOut ?? [...Array(channels).keys()];
  const sums = new Float64Array(kept.length);
  let count = 0;
  for (const t of samples) {
    const { inner } = outputLayout(node, t.dims);
    const outer = t.data.length / (channels * inner);
    for (let o = 0; o < outer; o++) {
      kept.forEach((c, q) => {
        const base = (o * channels + c) * inner;
        for (let i = 0; i < inner; i++) sums[q]! += t.data[base + i]!;
      });
    }
    count += outer * inner;
  }
  return sums.map((s) => s / Math.max(count, 1));
}

/** Bias correction: adds to the layer's intercept the mean shift between the original's output and the pruned model's. */
export function correctBias(graph: Graph, node: IrNode, original: readonly Activation[], pruned: readonly Activation[], keptOut?: readonly number[]): LayerRecovery {
  const want = channelMeans(node, original, keptOut);
  const have = channelMeans(node, pruned);
  const slot = interceptSlot(graph, node, have.length);
  if (!slot || want.length !== have.length) return { node: node.name, kind: 'bias', skipped: 'no bias to correct (a MatMul not followed by an Add of a constant)' };
  const cur = slot.read();
  slot.write(Float32Array.from(cur, (b, q) => b + want[q]! - have[q]!), node.opType === 'MatMul' ? 'add' : 'set');
  return { node: node.name, kind: 'bias' };
}
