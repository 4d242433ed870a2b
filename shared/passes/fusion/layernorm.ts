import { attr, attrFloat as floatAttr, attrInts as intsAttr } from '../../builder/index.js';
import { attrInt, attrInts } from '../../ir/attribute-values.js';
import { ElemType } from '../../onnx/element-types.js';
import type { IrNode } from '../../ir/node.js';
import { matchAt, op, type Match, type OpPattern } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import type { Rule } from '../../rewrite/pattern-pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { addFloatConstant, FOLDABLE_FLOAT_TYPES, floatConstant, floatScalar } from './float-constants.js';

// y = (x − mean(x)) / √(mean((x − mean(x))²) + ε) · γ + β, as exporters write it out:
// the square as Pow(d, 2) or d·d, the division as Div or ·Reciprocal, γ and β each optional.

const centered: OpPattern = op('Sub', ['x', op('ReduceMean', ['x', 'meanAxes?'], { as: 'mean' })], { as: 'sub' });
const SQUARES: OpPattern[] = [op('Pow', [centered, 'two'], { as: 'square' }), op('Mul', [centered, centered], { as: 'square' })];

function normalized(square: OpPattern, reciprocal: boolean): OpPattern {
  const variance = op('ReduceMean', [square, 'varAxes?'], { as: 'variance' });
  const std = op('Sqrt', [op('Add', [variance, 'const:eps'], { as: 'addEps', commutative: true })], { as: 'sqrt' });
  return reciprocal
    ? op('Mul', [centered, op('Reciprocal', [std], { as: 'reciprocal' })], { as: 'norm', commutative: true })
    : op('Div', [centered, std], { as: 'norm' });
}

/** 0: no affine part, 1: ·γ, 2: ·γ + β. */
type Affine = 0 | 1 | 2;

function withAffine(norm: OpPattern, affine: Affine): OpPattern {
  if (affine === 0) return norm;
  const scaled = op('Mul', [norm, 'const:gamma'], { as: 'scaled', commutative: true });
  return affine === 1 ? scaled : op('Add', [scaled, 'const:beta'], { as: 'shifted', commutative: true });
}

function normalizedAxes(ctx: PassContext, n: IrNode, rank: number): number[] | undefined {
  if (attrInt(n, 'keepdims', 1) !== 1) return undefined;
  let axes = n.inputs[1] ? ctx.facts.numbers(ctx.graph, n.inputs[1]) : attrInts(n, 'axes');
  if (!axes || axes.length === 0) {
    // No axes: every axis, unless noop_with_empty_axes (opset 18) makes it the identity.
    if (attrInt(n, 'noop_with_empty_axes', 0) !== 0) return undefined;
    axes = Array.from({ length: rank }, (_, i) => i);
  }
  const out = axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (out.some((a, i) => a < 0 || a >= rank || (i > 0 && a === out[i - 1]))) return undefined;
  return out;
}

interface Plan {
  /** The first normalized axis of x. */
  axis: number;
  epsilon: number;
  elemType: number;
  normalizedShape: number[];
  /**
   * When the normalized axes are a block before the last axis (a channels-first LayerNorm over
   * axis 1 of [N, C, H, W]): the perm that moves them last, for Transpose → LayerNormalization →
   * Transpose back.
   */
  perm?: number[];
}

// A constant operand of an elementwise op must not add dims to x's, or the result's shape changes.
const fitsRank = (dims: readonly number[], rank: number): boolean => dims.length <= rank;

function plan(m: Match, ctx: PassContext): Plan | undefined {
  const x = ctx.facts.tensor(ctx.graph, m.values.x!);
  const shape = x?.shape;
  if (!x || !shape || !FOLDABLE_FLOAT_TYPES.has(x.elemType)) return undefined;
  const rank = shape.length;
  const meanAxes = normalizedAxes(ctx, m.nodes.mean!, rank);
  const varAxes = normalizedAxes(ctx, m.nodes.variance!, rank);
  if (!meanAxes || !varAxes || meanAxes.join() !== varAxes.join() || meanAxes.length === 0) return undefined;
  // LayerNormalization normalizes over the trailing dims from `axis` on; a contiguous block of
  // axes before the last one is moved there by a Transpose.
  const axis = meanAxes[0]!;
  if (meanAxes.some((a, i) => a !== axis + i)) return undefined;
  const end = axis + meanAxes.length;
  const normalizedShape = shape.slice(axis, end);
  const perm = end === rank ? undefined : [...Array.from({ length: rank }, (_, i) => i).filter((i) => i < axis || i >= end), ...meanAxes];
  if (!normalizedShape.every((d): d is number => typeof d === 'number')) return undefined;
  const eps = floatScalar(ctx, m.values.eps);
  if (!eps || eps.elemType !== x.elemType || !fitsRank(eps.dims, rank) || !Number.isFinite(eps.data[0])) return undefined;
  if (m.nodes.square!.opType === 'Pow') {
    const two = ctx.facts.constant(ctx.graph, m.values.two!);
    const v = ctx.facts.numbers(ctx.graph, m.values.two!);
    if (!two || !v || v.length !== 1 || v[0] !== 2 || !fitsRank((two.dims ?? []).map(Number), rank)) return undefined;
  }
  for (const name of ['gamma', 'beta'] as const) {
    if (m.values[name] !== undefined && !affineParameter(ctx, m.values[name], x.elemType, shape.length, axis, normalizedShape)) return undefined;
  }
  return { axis, epsilon: eps.data[0]!, elemType: x.elemType, normalizedShape, ...(perm ? { perm } : {}) };
}

// γ and β must vary only over the normalized dims: right-aligned, a dim outside the normalized
// block [axis, axis + its length) must be 1, one inside 1 or the normalized size. Returned
// expanded to the normalized shape.
function affineParameter(ctx: PassContext, value: string, elemType: number, rank: number, axis: number, normalizedShape: number[]): Float64Array | undefined {
  const c = floatConstant(ctx, value);
  if (!c || c.elemType !== elemType || !fitsRank(c.dims, rank)) return undefined;
  const end = axis + normalizedShape.length;
  const offset = rank - c.dims.length;
  for (let i = 0; i < c.dims.length; i++) {
    const d = c.dims[i]!;
    const target = offset + i;
    if (d !== 1 && (target < axis || target >= end || d !== normalizedShape[target - axis])) return undefined;
  }
  const size = normalizedShape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  // Index into c by the trailing coordinates, broadcasting its size-1 dims.
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let index = 0;
    let stride = 1;
    for (let j = normalizedShape.length - 1; j >= 0; j--) {
      const coord = rest % normalizedShape[j]!;
      rest = Math.floor(rest / normalizedShape[j]!);
      const ci = c.dims.length - (rank - axis - j);
      if (ci >= 0) {
        const d = c.dims[ci]!;
        if (d !== 1) index += coord * stride;
        stride *= d;
      }
    }
    out[flat] = c.data[index]!;
  }
  return out;
}

function affineInput(ctx: PassContext, m: Match, name: 'gamma' | 'beta', p: Plan, rank: number): string {
  const value = m.values[name]!;
  const dims = ctx.facts.tensor(ctx.graph, value)?.shape;
  if (!p.perm && dims && dims.join() === p.normalizedShape.join()) return value;
  return addFloatConstant(ctx, `${value}_expanded`, p.elemType, p.normalizedShape, affineParameter(ctx, value, p.elemType, rank, p.axis, p.normalizedShape)!);
}

function rewrite(m: Match, ctx: PassContext) {
  const p = plan(m, ctx)!;
  const rank = ctx.facts.tensor(ctx.graph, m.values.x!)!.shape!.length;
  const size = p.normalizedShape.reduce((a, b) => a * b, 1);
  const scale =
    m.values.gamma !== undefined
      ? affineInput(ctx, m, 'gamma', p, rank)
      : addFloatConstant(ctx, 'layernorm_ones', p.elemType, p.normalizedShape, new Float64Array(size).fill(1));
  const name = m.nodes.sub!.name;
  const out = m.root.outputs[0]!;
  const x = p.perm ? ctx.freshName(`${out}_moved`) : m.values.x!;
  const inputs = [x, scale];
  if (m.values.beta !== undefined) inputs.push(affineInput(ctx, m, 'beta', p, rank));
  const attributes = [attr('axis', rank - p.normalizedShape.length), attr('epsilon', floatAttr(p.epsilon))];
  // The first stage (mean, variance) runs in stash_type, float by default: keep double in double.
  if (p.elemType === ElemType.DOUBLE) attributes.push(attr('stash_type', ElemType.DOUBLE));
  if (!p.perm) return { nodes: [{ opType: 'LayerNormalization', name, inputs, outputs: [out], attributes }] };
  const normed = ctx.freshName(`${out}_normalized`);
  const inverse = p.perm.map((_, i) => p.perm!.indexOf(i));
  return {
    nodes: [
      { opType: 'Transpose', name: `${name}_to_last`, inputs: [m.values.x!], outputs: [x], attributes: [attr('perm', intsAttr(p.perm))] },
      { opType: 'LayerNormalization', name, inputs, outputs: [normed], attributes },
      { opType: 'Transpose', name: `${name}_back`, inputs: [normed], outputs: [out], attributes: [attr('perm', intsAttr(inverse))] },
    ],
  };
}

const RULES: { affine: Affine; rule: Rule }[] = [];
for (const affine of [2, 1, 0] as const) {
  for (const square of SQUARES) {
    for (const reciprocal of [false, true]) {
      RULES.push({ affine, rule: { pattern: withAffine(normalized(square, reciprocal), affine), guard: (m, ctx) => plan(m, ctx) !== undefined && !absorbedLater(m, ctx, affine), rewrite } });
    }
  }
}

// Rules are tried at each node in graph order, so the bare normalization is seen before the
// Mul γ and Add β after it. Where a rule with more of the affine part matches further on, leave
// this match to it rather than fuse a LayerNormalization with ones and keep the Mul and Add.
function absorbedLater(m: Match, ctx: PassContext, affine: Affine): boolean {
  let node: IrNode = m.root;
  for (let level = affine + 1; level <= 2; level++) {
    const readers = ctx.graph.consumers(node.outputs[0]!);
    if (readers.size !== 1) return false;
    node = [...readers][0]!;
    for (const r of RULES) {
      if (r.affine !== level || !r.rule.pattern.opTypes.includes(node.opType)) continue;
      const larger = matchAt(r.rule.pattern, node, ctx.graph, ctx);
      if (larger && plan(larger, ctx)) return true;
    }
  }
  return false;
}

/** The decomposed layer normalization exporters emit, into LayerNormalization (opset 17). */
export const fuseLayerNorm = patternPass({
  name: 'fuse-layernorm',
  description:
    'turns ReduceMean → Sub → Pow 2 (or d·d) → ReduceMean → Add ε → Sqrt → Div (or ·Reciprocal) → ·γ → +β over the trailing ' +
    'axes (keepdims=1, constant ε, γ, β; float/double/float16) into LayerNormalization, opset 17+ (onnxruntime fuses this ' +
    'itself at session creation, LayerNormFusion); over a block of axes before the last (a channels-first LayerNorm) into ' +
    'Transpose → LayerNormalization → Transpose back (onnxruntime does not)',
  target: 'portable',
  numerics: 'reassociation',
  minOpset: 17,
  rules: RULES.map((r) => r.rule),
});

