import { attrString } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { op, type Match, type OpPattern } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import { floatConstant } from './float-constants.js';

const biased = op('Add', ['x', 'const:bias'], { as: 'add', commutative: true });

const approximate = (want: string) => (n: IrNode) => attrString(n, 'approximate', 'none') === want;

// BiasGelu is the erf form; the tanh form's fused op is FastGelu, whose optional second input is the same bias.
const shapes: { pattern: OpPattern; fused: 'BiasGelu' | 'FastGelu' }[] = [
  { pattern: op('Gelu', [biased], { as: 'gelu', where: approximate('none') }), fused: 'BiasGelu' },
  { pattern: op('Gelu', [biased], { as: 'gelu', domain: 'com.microsoft' }), fused: 'BiasGelu' },
  { pattern: op('Gelu', [biased], { as: 'gelu', where: approximate('tanh') }), fused: 'FastGelu' },
  { pattern: op('FastGelu', [biased], { as: 'gelu', domain: 'com.microsoft' }), fused: 'FastGelu' },
];

// The kernels add a 1-D bias along the last axis and size the output from x; the Add must do the
// same, so the bias is [C] with C x's known last dimension (a last dimension of 1 would be broadcast
// up by the Add). Float only: the type the CPU kernels take (the bias's type is x's, as Add requires).
function fits(m: Match, ctx: PassContext): boolean {
  const bias = floatConstant(ctx, m.values.bias);
  if (bias?.elemType !== ElemType.FLOAT || bias.dims.length !== 1) return false;
  const x = ctx.facts.tensor(ctx.graph, m.values.x!)?.shape;
  return !!x && x.length >= 1 && x[x.length - 1] === bias.dims[0];
}

const rules: Rule[] = shapes.map(({ pattern, fused }) => ({
  pattern,
  guard: fits,
  rewrite: (m) => ({
    nodes: [
      {
        opType: fused,
        domain: 'com.microsoft',
        name: m.root.name || undefined,
        inputs: [m.values.x!, m.values.bias!],
        outputs: [m.root.outputs[0]!],
      },
    ],
  }),
}));

/** Add(x, constant 1-D bias) → Gelu fused into com.microsoft BiasGelu (FastGelu with bias for the tanh form). */
export const ortFuseBiasGelu = patternPass({
  name: 'ort-fuse-bias-gelu',
  description:
    'fuses Add(x, constant 1-D bias) → Gelu (ai.onnx Gelu of opset 20, or com.microsoft Gelu) into com.microsoft BiasGelu, ' +
    'and the tanh form (approximate="tanh", com.microsoft FastGelu) into FastGelu(x, bias); onnxruntime does the same at ' +
    'session creation (BiasGeluFusion, level ≥ extended; checked with 1.30 for both Gelus), so this is for other runtimes, ' +
    'tools that read the file, a smaller model and a profile that shows it',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 7,
  domains: { 'com.microsoft': 1 },
  rules,
});
