import { attr, attrFloat } from '../../builder/index.js';
import type { PassContext } from '../../rewrite/pass.js';
import { op, type Match } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import { FLOAT32, knownRank, scalarOperand } from './ort-scalars.js';

// SiLU (Swish) as exporters write it, x · Sigmoid(x), and its scaled form x · Sigmoid(α·x), into
// com.microsoft QuickGelu (y = x · Sigmoid(α·x)), as onnxruntime's own QuickGeluFusion does at the
// extended level. The pattern engine already refuses a Sigmoid (or α·x) read outside the match:
// fusing then would compute the sigmoid twice.

const sigmoidOf = (arg: string | ReturnType<typeof op>) => op('Sigmoid', [arg], { as: 'sigmoid' });
const product = (arg: string | ReturnType<typeof op>) => op('Mul', ['x', sigmoidOf(arg)], { as: 'mul', commutative: true });
const scaled = op('Mul', ['x', 'const:alpha'], { as: 'scale', commutative: true });

// onnxruntime's CPU kernel of QuickGelu is registered for float32 only.
const isFloat32 = (m: Match, ctx: PassContext) => FLOAT32.has(ctx.facts.tensor(ctx.graph, m.values.x!)?.elemType ?? -1);

// α must be one float that does not broadcast x up (x's rank bounds the constant's).
const alphaOf = (m: Match, ctx: PassContext) => (m.values.alpha === undefined ? 1 : scalarOperand(ctx, m.values.alpha, knownRank(ctx, m.values.x)));

function quickGelu(m: Match, ctx: PassContext) {
  const alpha = alphaOf(m, ctx)!;
  const mul = m.nodes.mul!;
  return {
    nodes: [
      {
        opType: 'QuickGelu',
        domain: 'com.microsoft',
        name: mul.name || undefined,
        inputs: [m.values.x!],
        outputs: [mul.outputs[0]!],
        attributes: [attr('alpha', attrFloat(alpha))],
      },
    ],
  };
}

function guard(m: Match, ctx: PassContext): boolean {
  const alpha = alphaOf(m, ctx);
  return isFloat32(m, ctx) && alpha !== undefined && Number.isFinite(alpha);
}

const rules: Rule[] = [
  { pattern: product('x'), guard, rewrite: quickGelu },
  { pattern: product(scaled), guard, rewrite: quickGelu },
];

/** x · Sigmoid(x) (SiLU) and x · Sigmoid(α·x) fused into com.microsoft QuickGelu (float32). */
export const ortFuseQuickGelu = patternPass({
  name: 'ort-fuse-quick-gelu',
  description:
    'fuses x·Sigmoid(x) (SiLU/Swish) and x·Sigmoid(α·x) into com.microsoft QuickGelu with alpha α (float32); onnxruntime ' +
    'fuses these itself at session creation (QuickGeluFusion, extended level), so this is for a smaller file, a profile of ' +
    'the model as it runs, and runs with onnxruntime\'s optimizer below extended',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 1,
  domains: { 'com.microsoft': 1 },
  rules,
});
