import type { NodeSpec } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { PassContext } from '../../rewrite/pass.js';
import type { Match } from '../../rewrite/pattern.js';
import { perChannelValues } from './channel-broadcast.js';
import { convWeightLayout, scaleOutputChannels, type ConvWeightLayout } from './conv-weights.js';
import { addFloatConstant, floatConstant, type FloatConstant } from './float-constants.js';

/** The constant weight and (optional) bias of a Conv or ConvTranspose. */
export interface ConvParams {
  readonly w: FloatConstant;
  readonly b: FloatConstant | undefined;
  readonly layout: ConvWeightLayout;
}

/**
 * The weight and bias of `conv` when both are foldable constants of one float type, the bias 1-D
 * with one value per output channel; undefined otherwise.
 */
export function convParams(ctx: PassContext, conv: IrNode): ConvParams | undefined {
  const w = floatConstant(ctx, conv.inputs[1]);
  const layout = w && convWeightLayout(conv, w);
  if (!w || !layout) return undefined;
  const bias = conv.inputs[2];
  if (!bias) return { w, b: undefined, layout };
  const b = floatConstant(ctx, bias);
  if (!b || b.elemType !== w.elemType || b.dims.length !== 1 || b.dims[0] !== layout.channels) return undefined;
  return { w, b, layout };
}

/** A per-output-channel y = conv(x)·scale + shift; an absent part is the identity. */
export interface ChannelFold {
  readonly scale?: Float64Array;
  readonly shift?: Float64Array;
}

/**
 * The node replacing `conv` followed by a per-channel affine map: the same operator and attributes
 * with W' = W·scale and B' = B·scale + shift (new initializers), writing `output`.
 */
export function foldIntoConv(ctx: PassContext, conv: IrNode, p: ConvParams, fold: ChannelFold, output: string): NodeSpec {
  const { w, b, layout } = p;
  const base = conv.name || conv.opType.toLowerCase();
  const weight = fold.scale ? addFloatConstant(ctx, `${base}_W_fused`, w.elemType, w.dims, scaleOutputChannels(w, layout, fold.scale)) : conv.inputs[1]!;
  const inputs = [conv.inputs[0]!, weight];
  if (b || fold.shift) {
    const bias = new Float64Array(layout.channels);
    for (let o = 0; o < bias.length; o++) bias[o] = (b?.data[o] ?? 0) * (fold.scale?.[o] ?? 1) + (fold.shift?.[o] ?? 0);
    inputs.push(addFloatConstant(ctx, `${base}_B_fused`, w.elemType, [layout.channels], bias));
  }
  return { opType: conv.opType, domain: conv.domain, name: conv.name, inputs, outputs: [output], attributes: conv.attributes };
}

/**
 * For a Conv (captured `conv`) followed by an elementwise op (captured `opName`) with a constant
 * operand (value `c`): the Conv's parameters and that constant per output channel, when it is a
 * finite float of the weight's type broadcasting per channel or as a scalar. Before opset 7 such
 * ops broadcast only with legacy attributes, not worth modelling: an op carrying any is left
 * alone. Non-finite values are too: ∞·0 inside the convolution's sum would give NaN where the
 * original gives ∞ or 0.
 */
export function convChannelOperand(m: Match, ctx: PassContext, opName: string): { p: ConvParams; values: Float64Array } | undefined {
  if (m.nodes[opName]!.attributes.length) return undefined;
  const p = convParams(ctx, m.nodes.conv!);
  const c = floatConstant(ctx, m.values.c);
  if (!p || !c || c.elemType !== p.w.elemType || !c.data.every(Number.isFinite)) return undefined;
  // The Conv output has the weight's rank: [N, M, spatial...].
  const values = perChannelValues(c, p.w.dims.length, 1, p.layout.channels);
  return values && { p, values };
}
