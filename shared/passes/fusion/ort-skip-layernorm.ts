import { attr, attrFloat } from '../../builder/index.js';
import { attrFloat as readFloat, attrInt } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { matchAt, op, type Match } from '../../rewrite/pattern.js';
import { applyReplacement } from '../../rewrite/pattern-pass.js';
import type { Dim } from '../../rewrite/value-facts.js';
import { floatConstant } from './float-constants.js';
import { sameDim, sameShape } from './ort-dims.js';

// Two matches instead of one pattern: the residual sum is often read again (pre-LN transformers add
// it to the next block's output), and SkipLayerNormalization can still take its place by writing
// the sum as its fourth output. The engine requires every non-root node of a match to be read only
// inside it, so the Add is matched as the root of its own pattern, which exempts it.
const layerNorm = op('LayerNormalization', ['sum', 'const:gamma', 'const:beta?'], { as: 'ln' });
const sumWithBias = op('Add', [op('Add', ['a', 'const:bias'], { as: 'bias_add', commutative: true }), 'b'], { as: 'add', commutative: true });
const plainSum = op('Add', ['a', 'b'], { as: 'add' });

interface SkipPlan {
  input: string;
  skip: string;
  gamma: string;
  beta: string;
  bias: string;
  epsilon: number;
}

function floatShape(ctx: PassContext, value: string): Dim[] | undefined {
  const t = ctx.facts.tensor(ctx.graph, value);
  return t?.elemType === ElemType.FLOAT && t.shape ? t.shape : undefined;
}

// What the kernel accepts: input [B, S, H] or [T, H]; skip the same, or [1, S, H] or [S, H] under a
// 3-D input. The input must be the full-size operand (the kernel sizes its output from it).
function skipFits(skip: readonly Dim[], input: readonly Dim[]): boolean {
  if (sameShape(skip, input)) return input.length === 2 || input.length === 3;
  if (input.length !== 3) return false;
  const tail = input.slice(1);
  return (skip.length === 3 && skip[0] === 1 && sameShape(skip.slice(1), tail)) || (skip.length === 2 && sameShape(skip, tail));
}

// Float only (the CPU kernel's type); the statistics outputs must be unread (SkipLayerNormalization's
// differ in shape); normalization over the last axis, computed in float32 as the kernel does.
function layerNormFits(ctx: PassContext, ln: IrNode): boolean {
  if (ln.outputs.slice(1).some((v) => v !== '' && ctx.graph.usedOutside(v, new Set()))) return false;
  return attrInt(ln, 'stash_type', 1) === 1;
}

function plan(ctx: PassContext, ln: Match, sum: Match): SkipPlan | undefined {
  const node = ln.root;
  if (!layerNormFits(ctx, node)) return undefined;
  const [a, b] = [floatShape(ctx, sum.values.a!), floatShape(ctx, sum.values.b!)];
  if (!a || !b) return undefined;
  const [input, skip] = skipFits(b, a) ? [sum.values.a!, sum.values.b!] : skipFits(a, b) ? [sum.values.b!, sum.values.a!] : [];
  if (!input || !skip) return undefined;
  const shape = input === sum.values.a ? a : b;
  const hidden = shape[shape.length - 1];
  const axis = attrInt(node, 'axis', -1);
  if (typeof hidden !== 'number' || (axis !== -1 && axis !== shape.length - 1)) return undefined;
  // γ, β and the bias are [H]: anything else would broadcast differently from the kernel's per-channel use.
  const vector = (v: string | undefined) => {
    const c = floatConstant(ctx, v);
    return c?.elemType === ElemType.FLOAT && c.dims.length === 1 && c.dims[0] === hidden;
  };
  const { gamma, beta, bias } = { ...ln.values, ...sum.values };
  if (!vector(gamma) || (beta && !vector(beta)) || (bias !== undefined && !vector(bias))) return undefined;
  // The bias is added to `a`; it must not broadcast `a` up (a's last dimension is H too).
  if (bias !== undefined && !sameDim(a[a.length - 1], hidden)) return undefined;
  return { input, skip, gamma: gamma!, beta: beta ?? '', bias: bias ?? '', epsilon: readFloat(node, 'epsilon', 1e-5) };
}

function fuse(ctx: PassContext, ln: Match, sum: Match, p: SkipPlan): void {
  const add = sum.root;
  const inside = new Set([ln.root, ...Object.values(sum.nodes)]);
  const sumOut = add.outputs[0]!;
  const inputs = [p.input, p.skip, p.gamma, p.beta, p.bias];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs = [ln.root.outputs[0]!];
  // The sum keeps its name (and its readers) as output 3, input_skip_bias_sum.
  if (ctx.graph.usedOutside(sumOut, inside)) outputs.push('', '', sumOut);
  const fused = {
    opType: 'SkipLayerNormalization',
    domain: 'com.microsoft',
    name: ln.root.name || undefined,
    inputs,
    outputs,
    attributes: [attr('epsilon', attrFloat(p.epsilon))],
  };
  const match: Match = { root: ln.root, nodes: { ...ln.nodes, ...sum.nodes }, values: { ...ln.values, ...sum.values } };
  applyReplacement(match, { nodes: [fused] }, ctx);
}

/** Add(x, skip) [+ bias] → LayerNormalization fused into com.microsoft SkipLayerNormalization. */
export const ortFuseSkipLayerNorm: Pass = {
  name: 'ort-fuse-skip-layernorm',
  description:
    'fuses Add(x, skip) [+ Add(constant bias)] → LayerNormalization (last axis, constant γ/β) into com.microsoft ' +
    'SkipLayerNormalization, writing the sum as its fourth output when something else reads it; onnxruntime does the same at ' +
    'session creation (SkipLayerNormFusion, level ≥ extended) when nothing else reads the sum, but 1.30 leaves the pre-LN form ' +
    '(sum read again by the next residual Add), so beyond that case this is for other runtimes, a smaller file and a profile that shows it',
  target: 'onnxruntime',
  requires: [],
  numerics: 'reassociation',
  run(ctx) {
    if ((ctx.opset('') ?? 0) < 17) return 0; // LayerNormalization is an ONNX op from opset 17
    const g = ctx.graph;
    let count = 0;
    let domainReady = false;
    const removed = new Set<IrNode>();
    for (const node of [...g.nodes]) {
      if (node.opType !== 'LayerNormalization' || removed.has(node)) continue;
      const ln = matchAt(layerNorm, node, g, ctx);
      const add = ln && g.producer(ln.values.sum!);
      if (!ln || !add || removed.has(add)) continue;
      // With a bias Add absorbed if it fits, else with the biased value as a summand.
      let sum: Match | undefined;
      let p: SkipPlan | undefined;
      for (const pattern of [sumWithBias, plainSum]) {
        sum = matchAt(pattern, add, g, ctx);
        p = sum && plan(ctx, ln, sum);
        if (p) break;
      }
      if (!sum || !p) continue;
      if (!domainReady) {
        // Imported only once there is something to fuse, so that a model without matches stays as it was.
        if (!ctx.requireOpset('com.microsoft', 1)) return count;
        domainReady = true;
      }
      fuse(ctx, ln, sum, p);
      for (const n of [node, ...Object.values(sum.nodes)]) removed.add(n);
      count++;
    }
    return count;
  },
};
