import { attr, attrFloats } from '../../builder/index.js';
import { attrFloat } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { op, type Match, type OpPattern } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import { floatScalar } from './float-constants.js';
import { sameShape } from './ort-dims.js';

// Conv followed by an activation, and Conv + Add(residual) + activation, into com.microsoft
// FusedConv: the activation is named by the `activation` attribute (with `activation_params`
// where it has parameters), and the residual is the fourth input ("Z"), added before the
// activation. onnxruntime's CPU kernel takes float only.

const ACTIVATIONS = ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Clip', 'HardSigmoid'];

const conv = (inputs: string[]) => op('Conv', inputs, { as: 'conv' });
const withBias = ['x', 'const:w', 'b?'];

// The activation's parameters, or undefined when they are not constants (Clip's min/max inputs).
function activationParams(ctx: PassContext, act: IrNode): number[] | undefined {
  switch (act.opType) {
    case 'LeakyRelu':
      return [attrFloat(act, 'alpha', 0.01)];
    case 'HardSigmoid':
      return [attrFloat(act, 'alpha', 0.2), attrFloat(act, 'beta', 0.5)];
    case 'Clip': {
      if ((ctx.opset('') ?? 0) < 11) return [attrFloat(act, 'min', -3.4028234663852886e38), attrFloat(act, 'max', 3.4028234663852886e38)];
      const bound = (i: number, fallback: number) => (act.inputs[i] ? floatScalar(ctx, act.inputs[i])?.data[0] : fallback);
      const lo = bound(1, -3.4028234663852886e38);
      const hi = bound(2, 3.4028234663852886e38);
      return lo === undefined || hi === undefined ? undefined : [lo, hi];
    }
    default:
      return [];
  }
}

// Float tensors only; the residual must have exactly the Conv output's shape (the kernel adds it
// element by element, with no broadcasting).
function fits(m: Match, ctx: PassContext): boolean {
  const g = ctx.graph;
  if (ctx.facts.tensor(g, m.values.x!)?.elemType !== ElemType.FLOAT) return false;
  if (!activationParams(ctx, m.nodes.act!)) return false;
  if (!m.values.z) return true;
  const y = ctx.facts.tensor(g, m.nodes.conv!.outputs[0]!)?.shape;
  const z = ctx.facts.tensor(g, m.values.z);
  return !!y && z?.elemType === ElemType.FLOAT && !!z.shape && sameShape(y, z.shape);
}

function fused(m: Match, ctx: PassContext) {
  const act = m.nodes.act!;
  const params = activationParams(ctx, act)!;
  const inputs = [m.values.x!, m.values.w!, m.values.b ?? '', ...(m.values.z ? [m.values.z] : [])];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  return {
    nodes: [
      {
        opType: 'FusedConv',
        domain: 'com.microsoft',
        name: m.nodes.conv!.name || undefined,
        inputs,
        outputs: [act.outputs[0]!],
        attributes: [...m.nodes.conv!.attributes, attr('activation', act.opType), ...(params.length ? [attr('activation_params', attrFloats(params))] : [])],
      },
    ],
  };
}

// Clip's optional min and max inputs; the other activations have one input.
const activated = (input: OpPattern | string): OpPattern => op(ACTIVATIONS, [input, 'min?', 'max?'], { as: 'act' });

const rules: Rule[] = [
  // The residual form first: it takes the Add that the plain form would leave behind.
  { pattern: activated(op('Add', [conv(withBias), 'z'], { as: 'add', commutative: true })), guard: fits, rewrite: fused },
  { pattern: activated(conv(withBias)), guard: fits, rewrite: fused },
];

/** Conv (+ Add of a same-shaped residual) → activation fused into com.microsoft FusedConv. */
export const ortFuseConvActivation = patternPass({
  name: 'ort-fuse-conv-activation',
  description:
    'fuses Conv → Relu/Sigmoid/Tanh/LeakyRelu/Clip/HardSigmoid, and Conv → Add(same-shaped residual) → activation, into ' +
    'com.microsoft FusedConv (float); onnxruntime fuses Conv → activation itself at session creation (extended level; ' +
    'checked with 1.30) and the residual form only inside its NCHWc layout (level all)',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 1,
  domains: { 'com.microsoft': 1 },
  rules,
});
