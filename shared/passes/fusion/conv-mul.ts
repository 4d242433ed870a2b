import { op } from '../../rewrite/pattern.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { convChannelOperand, foldIntoConv } from './conv-channel-fold.js';

const pattern = op('Mul', [op('Conv', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:c'], { as: 'mul', commutative: true });

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
      guard: (m, ctx) => convChannelOperand(m, ctx, 'mul') !== undefined,
      rewrite(m, ctx) {
        const { p, values } = convChannelOperand(m, ctx, 'mul')!;
        return { nodes: [foldIntoConv(ctx, m.nodes.conv!, p, { scale: values }, m.root.outputs[0]!)] };
      },
    },
  ],
});
