import type { Match } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { perChannelValues } from './channel-broadcast.js';
import { convParams, foldIntoConv, type ConvParams } from './conv-channel-fold.js';
import { floatConstant } from './float-constants.js';

const pattern = op('Add', [op('Conv', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:c'], { as: 'add', commutative: true });

// Before opset 7 Add broadcast only with broadcast=1 and aligned at `axis`; those legacy
// attributes are not worth modelling, so an Add carrying any attribute is left alone.
function plan(m: Match, ctx: PassContext): { p: ConvParams; shift: Float64Array } | undefined {
  if (m.nodes.add!.attributes.length) return undefined;
  const p = convParams(ctx, m.nodes.conv!);
  const c = floatConstant(ctx, m.values.c);
  if (!p || !c || c.elemType !== p.w.elemType || !c.data.every(Number.isFinite)) return undefined;
  // The Conv output has the weight's rank: [N, M, spatial...].
  const shift = perChannelValues(c, p.w.dims.length, 1, p.layout.channels);
  return shift && { p, shift };
}

/** Conv + Add(per-channel or scalar constant) folded into the Conv's bias. */
export const fuseConvAdd = patternPass({
  name: 'fuse-conv-add',
  description:
    'folds an Add of a per-output-channel constant ([M,1,...], [1,M,1,...]) or a scalar after a Conv into its bias, ' +
    'creating the bias when absent (onnxruntime does this itself at session creation, ConvAddFusion)',
  target: 'portable',
  numerics: 'reassociation',
  // The fused Conv may be followed by another such op (Conv → Mul → Mul): fuse until none is left.
  repeat: true,
  rules: [
    {
      pattern,
      guard: (m, ctx) => plan(m, ctx) !== undefined,
      rewrite(m, ctx) {
        const { p, shift } = plan(m, ctx)!;
        return { nodes: [foldIntoConv(ctx, m.nodes.conv!, p, { shift }, m.root.outputs[0]!)] };
      },
    },
  ],
});
