import type { FloatConstant } from './float-constants.js';

/**
 * The values an elementwise Add/Mul with constant `c` applies to each channel (axis `axis`) of a
 * tensor of rank `rank`, or undefined when `c` is not a per-channel or scalar operand: after numpy's
 * right alignment every dimension of `c` must be 1 except the one on the channel axis, which may
 * be `channels`; and `c` must not have more dimensions than the tensor (that would change the
 * result's shape). [C,1,1] and [1,C,1,1] on [N,C,H,W] qualify; [C] and [1,1,1,W] do not.
 */
export function perChannelValues(c: FloatConstant, rank: number, axis: number, channels: number): Float64Array | undefined {
  const r = c.dims.length;
  if (r > rank) return undefined;
  let varies = false;
  for (let i = 0; i < r; i++) {
    const d = c.dims[i]!;
    if (d === 1) continue;
    if (rank - r + i !== axis || d !== channels) return undefined;
    varies = true;
  }
  const out = new Float64Array(channels);
  for (let k = 0; k < channels; k++) out[k] = c.data[varies ? k : 0]!;
  return out;
}
