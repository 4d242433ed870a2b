// Least-squares refit of a depthwise Conv (group == channels, one filter per channel): each output
// channel reads only its own input channel, so each channel is its own small fit (its k×k taps and
// its bias), with its own λ chosen on held-out samples.

import { attrInt, attrInts, attrString } from '../ir/attribute-values.js';
import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import { chooseSolution, interceptSlot, type Activation, type LayerRecovery, type RefitOptions } from './refit.js';
import { NormalEquations } from './ridge.js';
import { readWeight, writeWeight } from './weights.js';

/** Whether `node` is a 2-D depthwise Conv with a float32 weight of one filter per channel. */
export function isDepthwiseConv(graph: Graph, node: IrNode): boolean {
  if (!node.inDefaultDomain || node.opType !== 'Conv' || !node.inputs[1]) return false;
  const w = graph.initializers.get(node.inputs[1]);
  const dims = (w?.dims ?? []).map(Number);
  const group = attrInt(node, 'group', 1);
  return group > 1 && dims.length === 4 && dims[0] === group && dims[1] === 1;
}

/**
 * Refits the depthwise Conv `node` channel by channel: `inputs` its input on the pruned model, `targets` its output on the
 * original, `keptOut` the original channels it still has (all when undefined).
 */
export function refitDepthwise(graph: Graph, node: IrNode, inputs: readonly Activation[], targets: readonly Activation[], keptOut: readonly number[] | undefined, o: RefitOptions): LayerRecovery {
  const skip = (why: string): LayerRecovery => ({ node: node.name, kind: 'refit', skipped: why });
  const w = readWeight(graph, node.inputs[1]!);
  if (!w || !isDepthwiseConv(graph, node)) return skip('not a 2-D depthwise Conv with a float32 weight');
  if (attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET') return skip('depthwise Conv with auto_pad');
  const [channels, , kh, kw] = w.dims as [number, number, number, number];
  const full = targets[0]!.dims[1]!;
  const kept = keptOut ?? [...Array(full).keys()];
  if (kept.length !== channels) return skip(`weight has ${channels} channels, expected ${kept.length}`);
  const slot = interceptSlot(graph, node, channels);
  const features = kh * kw;
  const cols = features + (slot ? 1 : 0);
  const choose = o.ridge === undefined && targets.length >= 4;
  const fit = Array.from({ length: channels }, () => new NormalEquations(cols, 1));
  const val = Array.from({ length: channels }, () => new NormalEquations(cols, 1));
  const [sh, sw] = attrInts(node, 'strides') ?? [1, 1];
  const [dh, dw] = attrInts(node, 'dilations') ?? [1, 1];
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  // A row here costs cols² with cols ≤ 26 or so: four times the rows of a dense layer's fit cost little.
  const total = targets.reduce((a, t) => a + t.dims[0]! * t.dims[2]! * t.dims[3]!, 0);
  const step = Math.max(1, Math.ceil(total / (4 * o.maxRows)));
  const x = new Float64Array(cols);
  const y = new Float64Array(1);
  if (slot) x[features] = 1;
  for (const [s, t] of targets.entries()) {
    const a = inputs[s]!;
    const [n, c, h, wd] = a.dims as [number, number, number, number];
    const [, , oh, ow] = t.dims as [number, number, number, number];
    if (c !== channels) return skip(`input has ${c} channels, weight ${channels}`);
    const eqs = choose && s % 4 === 3 ? val : fit;
    let g = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, g++) {
          if (g % step) continue;
          for (let q = 0; q < channels; q++) {
            let f = 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh! - pads[0]! + ky * dh!;
              for (let kx = 0; kx < kw; kx++, f++) {
                const ix = ox * sw! - pads[1]! + kx * dw!;
                x[f] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? a.data[((b * c + q) * h + iy) * wd + ix]! : 0;
              }
            }
            y[0] = t.data[((b * full + kept[q]!) * oh + oy) * ow + ox]!;
            eqs[q]!.add(x, y);
          }
        }
      }
    }
  }
  const weights = w.values.slice();
  const bias = slot?.read().slice();
  const picked = new Map<number | null, number>();
  for (let q = 0; q < channels; q++) {
    const prior = new Float64Array(cols);
    for (let f = 0; f < features; f++) prior[f] = w.values[q * features + f]!;
    if (bias) prior[features] = bias[q]!;
    const chosen = chooseSolution(fit[q]!, val[q]!, prior, features, 1, !!slot, choose ? undefined : (o.ridge ?? 0.1));
    picked.set(chosen.ridge, (picked.get(chosen.ridge) ?? 0) + 1);
    if (!chosen.w) continue;
    if (!chosen.biasOnly) for (let f = 0; f < features; f++) weights[q * features + f] = chosen.w[f]!;
    if (bias) bias[q] = chosen.w[features]!;
  }
  writeWeight(graph, w.name, w.dims, weights);
  if (slot && bias) slot.write(bias, 'set');
  // One λ to report: the one most channels chose (null: most kept their filter or had only their bias refitted).
  const ridge = [...picked].sort((p, q) => q[1] - p[1])[0]![0];
  return { node: node.name, kind: 'refit', rows: fit[0]!.rows, cols, ridge };
}
