import { attrFloat, attrInt } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import type { PassContext } from '../../rewrite/pass.js';
import { floatConstant } from './float-constants.js';

/** An inference-mode BatchNormalization as the per-channel affine map y = x·scale + shift. */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

// Training mode computes batch statistics, which no folding can reproduce: training_mode=1
// (opset 14+), extra outputs (mean/var, opsets 9-13 and before), is_test=0 (before opset 7).
// spatial=0 (before opset 9) means statistics per activation, not per channel.
function isInferenceForm(ctx: PassContext, bn: IrNode): boolean {
  if (bn.outputs.slice(1).some((v) => v !== '')) return false;
  if (attrInt(bn, 'training_mode', 0) !== 0 || attrInt(bn, 'spatial', 1) !== 1) return false;
  return (ctx.opset('') ?? 0) >= 7 || attrInt(bn, 'is_test', 0) !== 0;
}

/**
 * The affine map of an inference-mode BatchNormalization over `channels` channels whose four
 * parameters are constants of `elemType`, 1-D of length `channels`; undefined otherwise, or when
 * var + ε is not positive (the original would give NaN or ∞ there).
 */
export function batchNormAffine(ctx: PassContext, bn: IrNode, channels: number, elemType: number): ChannelAffine | undefined {
  if (bn.opType !== 'BatchNormalization' || bn.inputs.length !== 5 || !isInferenceForm(ctx, bn)) return undefined;
  const params = bn.inputs.slice(1).map((v) => floatConstant(ctx, v));
  if (params.some((p) => !p || p.elemType !== elemType || p.dims.length !== 1 || p.dims[0] !== channels)) return undefined;
  const [gamma, beta, mean, variance] = params.map((p) => p!.data) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const epsilon = attrFloat(bn, 'epsilon', 1e-5);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const denominator = variance[c]! + epsilon;
    if (!(denominator > 0) || !Number.isFinite(denominator)) return undefined;
    scale[c] = gamma[c]! / Math.sqrt(denominator);
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  if (![...scale, ...shift].every(Number.isFinite)) return undefined;
  return { scale, shift };
}
