import { op } from '../../rewrite/pattern.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { batchNormAffine } from './batchnorm-inference.js';
import { convParams, foldIntoConv } from './conv-channel-fold.js';

const pattern = op(
  'BatchNormalization',
  [op('ConvTranspose', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:scale', 'const:bias', 'const:mean', 'const:var'],
  { as: 'bn' },
);

/** ConvTranspose → BatchNormalization (inference) folded into the ConvTranspose's weights and bias. */
export const fuseConvTransposeBatchNorm = patternPass({
  name: 'fuse-convtranspose-batchnorm',
  description:
    'folds an inference-mode BatchNormalization after a ConvTranspose into its weights [C, M/group, k...] and bias: ' +
    'W·γ/√(var+ε) along each group\'s output channels, (B−mean)·γ/√(var+ε)+β (constant float/double/float16 parameters; ' +
    'onnxruntime does not fuse this)',
  target: 'portable',
  numerics: 'reassociation',
  rules: [
    {
      pattern,
      guard(m, ctx) {
        const p = convParams(ctx, m.nodes.conv!);
        return !!p && !!batchNormAffine(ctx, m.nodes.bn!, p.layout.channels, p.w.elemType);
      },
      rewrite(m, ctx) {
        const conv = m.nodes.conv!;
        const p = convParams(ctx, conv)!;
        const bn = batchNormAffine(ctx, m.nodes.bn!, p.layout.channels, p.w.elemType)!;
        return { nodes: [foldIntoConv(ctx, conv, p, bn, m.root.outputs[0]!)] };
      },
    },
  ],
});
