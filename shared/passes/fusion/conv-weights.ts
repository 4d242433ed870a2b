import { attrInt } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import type { FloatConstant } from './float-constants.js';

/**
 * How a Conv or ConvTranspose weight maps to output channels. Conv weights are
 * [M, C/group, k...] (output channel first); ConvTranspose weights are [C, M/group, k...], so
 * output channel o of group g holds column j = o − g·M/group of the rows of that group's inputs.
 */
export interface ConvWeightLayout {
  readonly transposed: boolean;
  readonly group: number;
  /** Number of output channels (M). */
  readonly channels: number;
}

/** The output-channel layout of a Conv/ConvTranspose weight, or undefined when its dims and `group` disagree. */
export function convWeightLayout(conv: IrNode, w: FloatConstant): ConvWeightLayout | undefined {
  const transposed = conv.opType === 'ConvTranspose';
  const group = attrInt(conv, 'group', 1);
  const [d0, d1] = w.dims;
  // At least one spatial dimension: [M, C/group, k1, ...].
  if (w.dims.length < 3 || d0 === undefined || d1 === undefined || group < 1) return undefined;
  if (transposed) return d0 % group === 0 ? { transposed, group, channels: group * d1 } : undefined;
  return d0 % group === 0 ? { transposed, group, channels: d0 } : undefined;
}

/** The weight with every output channel o's kernel multiplied by `scale[o]`. */
export function scaleOutputChannels(w: FloatConstant, layout: ConvWeightLayout, scale: Float64Array): Float64Array {
  const out = new Float64Array(w.data.length);
  const spatial = w.dims.slice(2).reduce((a, b) => a * b, 1);
  const d1 = w.dims[1]!;
  if (!layout.transposed) {
    const per = d1 * spatial;
    for (let i = 0; i < out.length; i++) out[i] = w.data[i]! * scale[Math.floor(i / per)]!;
    return out;
  }
  const inputsPerGroup = w.dims[0]! / layout.group;
  for (let i = 0; i < out.length; i++) {
    const row = Math.floor(i / (d1 * spatial));
    const col = Math.floor(i / spatial) % d1;
    const o = Math.floor(row / inputsPerGroup) * d1 + col;
    out[i] = w.data[i]! * scale[o]!;
  }
  return out;
}
