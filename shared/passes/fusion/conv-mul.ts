import type { Match } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { perChannelValues } from './channel-broadcast.js';
import { convParams, foldIntoConv, type ConvParams } from './conv-channel-fold.js';
import { floatConstant } from './float-constants.js';

const pattern = op('Mul', [op('Conv', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:c'], { as: 'mul', commutative: true });

// Legacy (opset < 7) broadcast attributes are left alone, as in fuse-conv-add. Non-finite factors
// are too: ∞·0 inside the convolution's sum would give NaN where the original gives ∞ or 0.
function plan(m: Match, ctx: PassContext): { p: ConvParams; scale: Float64Array } | undefined {
  if (m.nodes.mul!.attributes.length) return undefined;
  const p = convParams(ctx, m.nodes.conv!);
  const c = floatConstant(ctx, m.values.c);
  if (!p || !c || c.elemType !== p.w.elemType || !c.data.every(Number.isFinite)) return undefined;
  const scale = perChannelValues(c, p.w.dims.length, 1, p.layout.channels);
  return scale && { p, scale };
}

/** Conv + Mul(per-channel or scalar constant) folded into the Conv's weights and bias. */
export const fuseConvMul = patternPass({
  name: 'fuse-conv-mul',
  description:
    'folds a Mul by a per-output-channel constant ([M,1,...], [1,M,1,...]) or a scalar after a Conv into its weights and bias ' +
    '(W·c, B·c per output channel; onnxruntime does this itself at session creation, ConvMulFusion)',
  target: 'portable',
  numerics: 'reassociation',
  // The fused Conv may be followed by another such op (Conv → Mul → Mul): fuse until none is left.
  repeat: true,
  rules: [
    {
      pattern,
      guard: (m, ctx) => plan(m, ctx) !== undefined,
      rewrite(m, ctx) {
        const { p, scale } = plan(m, ctx)!;
        return { nodes: [foldIntoConv(ctx, m.nodes.conv!, p, { scale }, m.root.outputs[0]!)] };
      },
    },
  ],
});
