import { op } from '../../rewrite/pattern.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { convChannelOperand, foldIntoConv } from './conv-channel-fold.js';

const pattern = op('Add', [op('Conv', ['x', 'const:w', 'const:b?'], { as: 'conv' }), 'const:c'], { as: 'add', commutative: true });

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
      guard: (m, ctx) => convChannelOperand(m, ctx, 'add') !== undefined,
      rewrite(m, ctx) {
        const { p, values } = convChannelOperand(m, ctx, 'add')!;
        return { nodes: [foldIntoConv(ctx, m.nodes.conv!, p, { shift: values }, m.root.outputs[0]!)] };
      },
    },
  ],
});
