import { op } from '../../rewrite/pattern.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { batchNormAffine } from './batchnorm-inference.js';
import { convParams, foldIntoConv } from './conv-channel-fold.js';

const pattern = op(
  'BatchNormalization',
  [op('Conv', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:scale', 'const:bias', 'const:mean', 'const:var'],
  { as: 'bn' },
);

/** Conv → BatchNormalization (inference) folded into the Conv's weights and bias. */
export const fuseConvBatchNorm = patternPass({
  name: 'fuse-conv-batchnorm',
  description:
    'folds an inference-mode BatchNormalization after a Conv into its weights and bias: W·γ/√(var+ε) per output channel, ' +
    '(B−mean)·γ/√(var+ε)+β (constant float/double/float16 parameters; onnxruntime does this itself at session creation, ConvBNFusion)',
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
