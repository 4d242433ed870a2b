import { attr } from '../../builder/index.js';
import { ElemType } from '../../onnx/element-types.js';
import { op, type Match, type OpPattern } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import type { Rule } from '../../rewrite/pattern-pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { FOLDABLE_FLOAT_TYPES } from './float-constants.js';

// Gelu(x) = x·½·(1 + erf(x/√2)), or with approximate='tanh' x·½·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
// Exporters write the product in any order and association, x/√2 as Div or as Mul by 1/√2, and x³
// as Pow(x, 3), x·(x·x) or (x·x)·x. Each constant is captured by name and checked in the guard.

const erfOnePlus = (inner: OpPattern): OpPattern =>
  op('Add', [op('Erf', [inner], { as: 'erf' }), 'const:one'], { as: 'onePlus', commutative: true });
const ERF_INNER: OpPattern[] = [
  op('Div', ['x', 'const:sqrt2'], { as: 'scaleIn' }),
  op('Mul', ['x', 'const:invSqrt2'], { as: 'scaleIn', commutative: true }),
];

const CUBES: OpPattern[] = [
  op('Pow', ['x', 'const:three'], { as: 'cube' }),
  op('Mul', ['x', op('Mul', ['x', 'x'], { as: 'square' })], { as: 'cube', commutative: true }),
];
const tanhOnePlus = (cube: OpPattern): OpPattern => {
  const inner = op('Add', ['x', op('Mul', [cube, 'const:cubic'], { as: 'cubeScaled', commutative: true })], { as: 'inner', commutative: true });
  const tanh = op('Tanh', [op('Mul', [inner, 'const:sqrt2OverPi'], { as: 'tanhIn', commutative: true })], { as: 'tanh' });
  return op('Add', [tanh, 'const:one'], { as: 'onePlus', commutative: true });
};

// The three associations of x · ½ · onePlus.
const OUTER: ((onePlus: OpPattern) => OpPattern)[] = [
  (p) => op('Mul', [op('Mul', ['x', p], { as: 'xTimes', commutative: true }), 'const:half'], { as: 'out', commutative: true }),
  (p) => op('Mul', [op('Mul', ['x', 'const:half'], { as: 'halfX', commutative: true }), p], { as: 'out', commutative: true }),
  (p) => op('Mul', ['x', op('Mul', [p, 'const:half'], { as: 'halfOnePlus', commutative: true })], { as: 'out', commutative: true }),
];

const EXPECTED: Record<string, number> = {
  one: 1,
  half: 0.5,
  sqrt2: Math.SQRT2,
  invSqrt2: Math.SQRT1_2,
  three: 3,
  cubic: 0.044715,
  sqrt2OverPi: Math.sqrt(2 / Math.PI),
};

// Relative: exporters round these constants (1.4142135, 0.7978845608...), float16 coarser still.
function close(value: number, expected: number, elemType: number): boolean {
  return Math.abs(value - expected) <= (elemType === ElemType.FLOAT16 ? 1e-3 : 1e-4) * Math.abs(expected);
}

function fits(m: Match, ctx: PassContext): boolean {
  const x = ctx.facts.tensor(ctx.graph, m.values.x!);
  if (!x || !FOLDABLE_FLOAT_TYPES.has(x.elemType)) return false;
  for (const [name, expected] of Object.entries(EXPECTED)) {
    const value = m.values[name];
    if (value === undefined) continue;
    const t = ctx.facts.constant(ctx.graph, value)!;
    const v = ctx.facts.numbers(ctx.graph, value);
    const dims = (t.dims ?? []).map(Number);
    // A size-1 constant with more dims than x would broadcast the result to a larger rank.
    if (!v || v.length !== 1 || (dims.length > 0 && (!x.shape || dims.length > x.shape.length))) return false;
    // Pow's exponent may have its own type; every other constant is an operand of x's type.
    if (name !== 'three' && t.dataType !== x.elemType) return false;
    if (!close(v[0]!, expected, name === 'three' ? ElemType.DOUBLE : x.elemType)) return false;
  }
  return true;
}

function rule(onePlus: OpPattern, outer: (p: OpPattern) => OpPattern, approximate: 'none' | 'tanh'): Rule {
  return {
    pattern: outer(onePlus),
    guard: fits,
    rewrite: (m) => ({
      nodes: [{ opType: 'Gelu', name: m.root.name, inputs: [m.values.x!], outputs: [m.root.outputs[0]!], attributes: approximate === 'tanh' ? [attr('approximate', 'tanh')] : [] }],
    }),
  };
}

const RULES: Rule[] = [
  ...ERF_INNER.flatMap((inner) => OUTER.map((outer) => rule(erfOnePlus(inner), outer, 'none'))),
  ...CUBES.flatMap((cube) => OUTER.map((outer) => rule(tanhOnePlus(cube), outer, 'tanh'))),
];

/** The erf and tanh forms of GELU exporters emit, into Gelu (opset 20). */
export const fuseGelu = patternPass({
  name: 'fuse-gelu',
  description:
    'turns x·½·(1+Erf(x/√2)) into Gelu and x·½·(1+Tanh(√(2/π)·(x+0.044715·x³))) into Gelu(approximate=tanh), in the ' +
    'orders exporters write them (constants within 1e-4 relative), opset 20+ (onnxruntime fuses the erf form itself at ' +
    'session creation, GeluFusion)',
  target: 'portable',
  numerics: 'reassociation',
  minOpset: 20,
  rules: RULES,
});
