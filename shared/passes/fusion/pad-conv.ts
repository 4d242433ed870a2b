import { attr, attrInts as intsAttr } from '../../builder/index.js';
import { attrFloat, attrInt, attrInts, attrString } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import type { Match } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { withAttributes } from './node-attributes.js';

const pattern = op(
  ['Conv', 'AveragePool', 'MaxPool'],
  [op('Pad', ['x', 'pads?', 'value?', 'axes?'], { as: 'pad' }), 'w?', 'b?'],
  { as: 'consumer' },
);

/** A constant-mode Pad's amounts over all `rank` dims ([x0_begin, x1_begin, ..., x0_end, ...]) and fill value. */
interface ConstantPad {
  pads: number[];
  value: number;
}

// Opset 11 moved pads and the value from attributes (`paddings` in opset 1) to inputs; opset 18
// added `axes`, naming the dims the pads are for.
function constantPad(ctx: PassContext, pad: IrNode, rank: number): ConstantPad | undefined {
  if (attrString(pad, 'mode', 'constant') !== 'constant') return undefined;
  const g = ctx.graph;
  let pads: number[] | undefined;
  let value = 0;
  if ((ctx.opset('') ?? 0) < 11) {
    pads = attrInts(pad, 'pads') ?? attrInts(pad, 'paddings');
    value = attrFloat(pad, 'value', 0);
  } else {
    pads = pad.inputs[1] ? ctx.facts.numbers(g, pad.inputs[1]) : undefined;
    if (pad.inputs[2]) {
      const v = ctx.facts.numbers(g, pad.inputs[2]);
      if (!v || v.length !== 1) return undefined;
      value = v[0]!;
    }
    if (pads && pad.inputs[3]) pads = spreadOverAxes(ctx, pad.inputs[3], pads, rank);
  }
  if (!pads || pads.length !== 2 * rank || pads.some((p) => !Number.isInteger(p) || p < 0)) return undefined;
  return { pads, value };
}

function spreadOverAxes(ctx: PassContext, axesValue: string, pads: number[], rank: number): number[] | undefined {
  const axes = ctx.facts.numbers(ctx.graph, axesValue)?.map((a) => (a < 0 ? a + rank : a));
  if (!axes || pads.length !== 2 * axes.length || new Set(axes).size !== axes.length) return undefined;
  if (axes.some((a) => a < 0 || a >= rank)) return undefined;
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    full[a] = pads[i]!;
    full[rank + a] = pads[axes.length + i]!;
  });
  return full;
}

// The consumer's rank: pools always state kernel_shape; a Conv may leave it to W's shape.
function consumerRank(ctx: PassContext, n: IrNode, w: string | undefined): number | undefined {
  const kernel = attrInts(n, 'kernel_shape');
  if (kernel) return kernel.length + 2;
  const shape = w ? ctx.facts.tensor(ctx.graph, w)?.shape : undefined;
  return shape ? shape.length : undefined;
}

const allOnes = (v: number[] | undefined): boolean => v === undefined || v.every((d) => d === 1);

// What each consumer's own padding means, and when an explicit Pad's values say the same:
// Conv pads with zeros. AveragePool counts pads as zeros only with count_include_pad=1. MaxPool
// ignores pads, as -∞ does; its Indices output would index the padded tensor. With ceil_mode a
// last window may start inside the padding, which is dropped when the padding is the pool's own
// but kept when it is data; dilations are left alone too. Both pools reject pads as large as the
// kernel (onnxruntime: "Pad should be smaller than kernel"), which an explicit Pad may have.
function consumerAccepts(n: IrNode, value: number, total: number[]): boolean {
  if (attrString(n, 'auto_pad', 'NOTSET') !== 'NOTSET') return false;
  if (n.opType === 'Conv') return value === 0;
  const kernel = attrInts(n, 'kernel_shape');
  if (!kernel || attrInt(n, 'ceil_mode', 0) !== 0 || !allOnes(attrInts(n, 'dilations'))) return false;
  if (total.some((p, i) => p >= kernel[i % kernel.length]!)) return false;
  if (n.opType === 'AveragePool') return value === 0 && attrInt(n, 'count_include_pad', 0) === 1;
  return value === -Infinity && n.outputs.filter((v) => v !== '').length === 1;
}

function plan(m: Match, ctx: PassContext): number[] | undefined {
  const n = m.nodes.consumer!;
  const rank = consumerRank(ctx, n, m.values.w);
  if (rank === undefined || rank < 3) return undefined;
  const pad = constantPad(ctx, m.nodes.pad!, rank);
  if (!pad) return undefined;
  // Batch and channel dims cannot move into a Conv's or pool's spatial pads.
  if (pad.pads[0] || pad.pads[1] || pad.pads[rank] || pad.pads[rank + 1]) return undefined;
  const spatial = rank - 2;
  const own = attrInts(n, 'pads') ?? new Array<number>(2 * spatial).fill(0);
  if (own.length !== 2 * spatial) return undefined;
  const total = own.map((p, i) => p + pad.pads[i < spatial ? 2 + i : rank + 2 + (i - spatial)]!);
  return consumerAccepts(n, pad.value, total) ? total : undefined;
}

/** Pad(constant) → Conv / AveragePool / MaxPool, moved into the consumer's own pads. */
export const fusePadConv = patternPass({
  name: 'fuse-pad-conv',
  description:
    'moves a constant-mode Pad with constant spatial pads into the next Conv\'s pads (fill 0), AveragePool\'s ' +
    '(fill 0, count_include_pad=1) or MaxPool\'s (fill −∞) (onnxruntime does this itself at session creation, PadFusion)',
  target: 'portable',
  numerics: 'reassociation',
  rules: [
    {
      pattern,
      guard: (m, ctx) => plan(m, ctx) !== undefined,
      rewrite(m, ctx) {
        const n = m.nodes.consumer!;
        const pads = plan(m, ctx)!;
        const inputs = [m.values.x!, ...n.inputs.slice(1)];
        const attributes = withAttributes(n.attributes, [attr('pads', intsAttr(pads))]);
        return { nodes: [{ opType: n.opType, domain: n.domain, name: n.name, inputs, outputs: [...n.outputs], attributes }] };
      },
    },
  ],
});
