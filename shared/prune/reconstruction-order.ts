// Channel selection for recovery (prune-channels' criterion 'reconstruction'): which of a group's
// channels the layers reading them can best do without once they are refitted. For a consumer (a
// layer whose input channels are the group's) with input covariance H on calibration samples and
// input channel j's weight energy e_j (Σ of its weights², over outputs and kernel taps), removing
// j and refitting the rest leaves about e_j / (H⁻¹)_jj of squared error: 1/(H⁻¹)_jj is the part of
// channel j the other channels cannot predict linearly (Optimal Brain Surgeon's saliency, taken a
// whole input channel at a time, kernel taps apart). Greedily, the channel cheapest over all the
// group's consumers goes, each H⁻¹ is downdated, and so on: the removal order is the importance.
// Norms (L1, L2) keep the strongest filters; this keeps the channels the rest cannot stand in for,
// and so what a least-squares refit can recover from.

import { attrInt } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { ModelProto } from '../onnx/proto-types.js';
import type { ChannelGroup } from './channel-groups.js';
import { channelLayout, type Activation } from './refit.js';
import { choleskyInverse } from './ridge.js';
import { layerWeight, readWeight, stridesOf, type ExternalBytes } from './weights.js';

/** Runs calibration samples through `model` and returns each sample's values of `tensors`. */
export type ActivationCollector = (model: ModelProto, tensors: readonly string[]) => Promise<Record<string, Activation>[]>;

/** Rows (sample positions) a covariance uses at most, sampled evenly. */
export const COVARIANCE_ROWS = 16384;

/** Ridge of H⁻¹, relative to H's mean diagonal: a channel that never fires (zero after Relu) stays invertible. */
const RELATIVE_RIDGE = 1e-3;

/** The centered covariance (channels × channels, row-major) of a consumer's input over the samples' positions. */
export function inputCovariance(opType: string, samples: readonly Activation[], maxRows = COVARIANCE_ROWS): { channels: number; cov: Float64Array } {
  const { channels: c } = channelLayout(opType, samples[0]!.dims);
  const positions = samples.reduce((a, s) => a + s.data.length / c, 0);
  const step = Math.max(1, Math.ceil(positions / maxRows));
  const cov = new Float64Array(c * c);
  const sum = new Float64Array(c);
  const x = new Float64Array(c);
  let rows = 0;
  let seen = 0;
  for (const s of samples) {
    const { inner } = channelLayout(opType, s.dims);
    const outer = s.data.length / (c * inner);
    for (let o = 0; o < outer; o++) {
      for (let p = 0; p < inner; p++, seen++) {
        if (seen % step) continue;
        for (let k = 0; k < c; k++) x[k] = s.data[(o * c + k) * inner + p]!;
        for (let a = 0; a < c; a++) {
          const xa = x[a]!;
          sum[a]! += xa;
          if (xa === 0) continue;
          for (let b = a; b < c; b++) cov[a * c + b]! += xa * x[b]!;
        }
        rows++;
      }
    }
  }
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      const v = (cov[a * c + b]! - (sum[a]! * sum[b]!) / rows) / rows;
      cov[a * c + b] = v;
      cov[b * c + a] = v;
    }
  }
  return { channels: c, cov };
}

/** One consumer's part: H⁻¹ over the group's channels (downdated as channels go) and each channel's weight energy. */
interface Term {
  inverse: Float64Array;
  energy: Float64Array;
}

/** The tensors whose covariance the group's order needs: the inputs of its consumers that can take part. */
export function consumerInputs(graph: Graph, group: ChannelGroup): string[] {
  return group.consumers.filter((c) => consumerEdit(graph, group, c.node) !== undefined).map((c) => c.input);
}

// The group's slice of the consumer's weight along its input axis (one channel of the group a single input channel: stride 1).
function consumerEdit(graph: Graph, group: ChannelGroup, node: ChannelGroup['consumers'][number]['node']) {
  const lw = layerWeight(graph, node);
  if (!lw || attrInt(node, 'group', 1) !== 1) return undefined;
  const edit = group.edits.find((e) => e.init === lw.init && e.axis === lw.inAxis);
  return edit && edit.stride === 1 ? { lw, edit } : undefined;
}

function termOf(graph: Graph, group: ChannelGroup, consumer: ChannelGroup['consumers'][number], cov: { channels: number; cov: Float64Array }, ext: ExternalBytes): Term | undefined {
  const found = consumerEdit(graph, group, consumer.node);
  const w = found && readWeight(graph, found.lw.init, ext);
  if (!found || !w || found.edit.offset + group.size > cov.channels) return undefined;
  const { lw, edit } = found;
  const n = group.size;
  const strides = stridesOf(w.dims);
  const inputs = w.dims[lw.inAxis]!;
  const energy = new Float64Array(n);
  for (let i = 0; i < w.values.length; i++) {
    const j = (Math.floor(i / strides[lw.inAxis]!) % inputs) - edit.offset;
    if (j >= 0 && j < n) energy[j]! += w.values[i]! ** 2;
  }
  const h = new Float64Array(n * n);
  let trace = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) h[a * n + b] = cov.cov[(edit.offset + a) * cov.channels + edit.offset + b]!;
  for (let a = 0; a < n; a++) trace += h[a * n + a]!;
  const ridge = (RELATIVE_RIDGE * trace) / n || 1e-12;
  for (let a = 0; a < n; a++) h[a * n + a]! += ridge;
  return { inverse: choleskyInverse(h, n), energy };
}

/**
 * The group's channels ranked for removal (0: the first to go), from the covariances of its
 * consumers' inputs; undefined when no consumer can take part (a consumer with `group` > 1, or
 * one whose input holds each channel more than once, as after a Flatten).
 */
export async function reconstructionOrder(graph: Graph, group: ChannelGroup, covariances: ReadonlyMap<string, { channels: number; cov: Float64Array }>, ext: ExternalBytes = () => undefined): Promise<number[] | undefined> {
  const terms = group.consumers.flatMap((c) => {
    const cov = covariances.get(c.input);
    const t = cov && termOf(graph, group, c, cov, ext);
    return t ? [t] : [];
  });
  return terms.length ? greedyRanks(terms, group.size) : undefined;
}

/** The event loop gets a turn this often (removals) while a large group is ranked: the app's service stays responsive. */
const STEPS_PER_TURN = 64;

/**
 * Removes the cheapest channel, downdates each H⁻¹, and again, until one is left. The channels
 * still in play are kept in positions [0, m) (a removed one is swapped to position m − 1), so that
 * each downdate touches m² entries: about n³/3 operations in all.
 */
async function greedyRanks(terms: Term[], n: number): Promise<number[]> {
  const channelAt = [...Array(n).keys()];
  const rank = new Array<number>(n).fill(n - 1);
  for (let m = n; m > 1; m--) {
    if ((n - m) % STEPS_PER_TURN === STEPS_PER_TURN - 1) await new Promise((r) => setTimeout(r, 0));
    let best = 0;
    let bestCost = Infinity;
    for (let p = 0; p < m; p++) {
      let cost = 0;
      for (const t of terms) cost += t.energy[p]! / t.inverse[p * n + p]!;
      if (cost < bestCost) {
        bestCost = cost;
        best = p;
      }
    }
    const last = m - 1;
    rank[channelAt[best]!] = n - m;
    [channelAt[best], channelAt[last]] = [channelAt[last]!, channelAt[best]!];
    for (const t of terms) {
      swapPositions(t, best, last, n);
      // H⁻¹ of the channels left: the Schur complement of the removed one.
      const h = t.inverse;
      const removed = last * n;
      const d = h[removed + last]!;
      for (let a = 0; a < last; a++) {
        const f = h[a * n + last]! / d;
        if (f === 0) continue;
        const row = a * n;
        for (let b = 0; b < last; b++) h[row + b]! -= f * h[removed + b]!;
      }
    }
  }
  return rank;
}

/** Swaps channel positions i and j of a term: its energy, and the rows and columns of its H⁻¹. */
function swapPositions(t: Term, i: number, j: number, n: number): void {
  if (i === j) return;
  const h = t.inverse;
  [t.energy[i], t.energy[j]] = [t.energy[j]!, t.energy[i]!];
  for (let k = 0; k < n; k++) [h[i * n + k], h[j * n + k]] = [h[j * n + k]!, h[i * n + k]!];
  for (let k = 0; k < n; k++) [h[k * n + i], h[k * n + j]] = [h[k * n + j]!, h[k * n + i]!];
}

const COLLECTING = 'collecting the inputs of the layers reading pruned channels';

/** Tensors collected per run of the calibration samples: their activations are held at once. */
const TENSORS_PER_RUN = 8;

/**
 * Each group's removal ranks (undefined where no consumer can take part): the consumers' inputs
 * are collected on the calibration samples (`collect`, a few tensors a run), reduced to their
 * covariances, and each group ordered.
 */
export async function reconstructionRanks(
  model: IrModel,
  groups: readonly ChannelGroup[],
  collect: ActivationCollector,
  o: { ext?: ExternalBytes; signal?: AbortSignal; progress?: (done: number, total: number, step: string) => void } = {},
): Promise<(number[] | undefined)[]> {
  const graph = model.graph;
  const consumerOf = new Map<string, string>();
  for (const g of groups) for (const c of g.consumers) if (consumerInputs(graph, g).includes(c.input)) consumerOf.set(c.input, c.node.opType);
  const tensors = [...consumerOf.keys()];
  const proto = model.toProto();
  const covariances = new Map<string, { channels: number; cov: Float64Array }>();
  for (let i = 0; i < tensors.length; i += TENSORS_PER_RUN) {
    o.signal?.throwIfAborted();
    o.progress?.(i, tensors.length, COLLECTING);
    const part = tensors.slice(i, i + TENSORS_PER_RUN);
    const samples = await collect(proto, part);
    for (const t of part) covariances.set(t, inputCovariance(consumerOf.get(t)!, samples.map((s) => s[t]!)));
  }
  const ranks: (number[] | undefined)[] = [];
  for (const [k, g] of groups.entries()) {
    o.signal?.throwIfAborted();
    o.progress?.(k, groups.length, 'ranking the channels of each group');
    ranks.push(await reconstructionOrder(graph, g, covariances, o.ext));
  }
  return ranks;
}
