import type { PassContext } from '../../rewrite/pass.js';
import { op, type InputPattern, type Match, type OpPattern } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import { knownRank, near, numericScalar, scalarOperand } from './ort-scalars.js';

// Gelu written out by exporters, before opset 20 gave ONNX a Gelu:
//   erf form:  x · 0.5 · (1 + Erf(x / √2))                      (x · 0.7071… instead of x / 1.4142…)
//   tanh form: x · 0.5 · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))  (x³ as Pow(x, 3) or x·x·x)
// The three factors of the product come associated in any of three ways, or the ½ as a final Div by 2.

const SQRT_2 = Math.SQRT2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const mul = (a: InputPattern, b: InputPattern, as: string) => op('Mul', [a, b], { as, commutative: true });

function products(onePlus: OpPattern): OpPattern[] {
  return [
    mul(mul('x', onePlus, 'inner'), 'const:half', 'outer'),
    mul(mul('x', 'const:half', 'inner'), onePlus, 'outer'),
    mul(mul(onePlus, 'const:half', 'inner'), 'x', 'outer'),
    op('Div', [mul('x', onePlus, 'inner'), 'const:two'], { as: 'outer' }),
  ];
}

function onePlus(f: OpPattern): OpPattern {
  return op('Add', [f, 'const:one'], { as: 'add_one', commutative: true });
}

const erfForm = onePlus(op('Erf', [op(['Div', 'Mul'], ['x', 'const:k'], { as: 'erf_arg', commutative: true })], { as: 'erf' }));

function tanhForm(cube: OpPattern): OpPattern {
  const inner = op('Add', ['x', mul(cube, 'const:c', 'cube_scaled')], { as: 'poly', commutative: true });
  return onePlus(op('Tanh', [mul(inner, 'const:k', 'tanh_arg')], { as: 'tanh' }));
}
const cubes = [op('Pow', ['x', 'const:three'], { as: 'cube' }), mul(mul('x', 'x', 'square'), 'x', 'cube')];

// The constants must be single floats that do not broadcast x up (x's rank bounds theirs). The ½ is
// a factor or x·(…)/2, which one is told by what the pattern captured.
function constantsFit(m: Match, ctx: PassContext, want: Record<string, number>): boolean {
  const rank = knownRank(ctx, m.values.x);
  const all = { ...want, ...(m.values.half !== undefined ? { half: 0.5 } : { two: 2 }) };
  return Object.entries(all).every(([name, value]) => {
    const c = scalarOperand(ctx, m.values[name], rank);
    return c !== undefined && near(c, value);
  });
}

// Before opset 20 only: from there the ONNX Gelu is the better target, left to the portable fusion.
const belowOpset20 = (ctx: PassContext) => (ctx.opset('') ?? 0) < 20;

function erfGuard(m: Match, ctx: PassContext): boolean {
  const arg = m.nodes.erf_arg!;
  // x / √2 (the divisor is the constant) or x · 1/√2.
  const isDiv = arg.opType === 'Div';
  if (isDiv && arg.inputs[1] !== m.values.k) return false;
  return belowOpset20(ctx) && constantsFit(m, ctx, { one: 1, k: isDiv ? SQRT_2 : 1 / SQRT_2 });
}

function tanhGuard(m: Match, ctx: PassContext): boolean {
  if (!belowOpset20(ctx) || !constantsFit(m, ctx, { one: 1, k: SQRT_2_OVER_PI, c: 0.044715 })) return false;
  if (m.nodes.cube!.opType !== 'Pow') return true;
  // Pow's exponent may be of any numeric type; it must be exactly 3.
  const e = numericScalar(ctx, m.values.three);
  return e?.value === 3 && e.rank <= (knownRank(ctx, m.values.x) ?? 0);
}

const fused = (opType: 'Gelu' | 'FastGelu') => (m: Match) => ({
  nodes: [{ opType, domain: 'com.microsoft', name: m.root.name || undefined, inputs: [m.values.x!], outputs: [m.root.outputs[0]!] }],
});

const rules: Rule[] = [
  ...products(erfForm).map((pattern) => ({ pattern, guard: erfGuard, rewrite: fused('Gelu') })),
  ...cubes.flatMap((cube) => products(tanhForm(cube)).map((pattern) => ({ pattern, guard: tanhGuard, rewrite: fused('FastGelu') }))),
];

/** The erf and tanh forms of Gelu, written out, fused into com.microsoft Gelu and FastGelu (models below opset 20). */
export const ortFuseGelu = patternPass({
  name: 'ort-fuse-gelu',
  description:
    'fuses the written-out Gelu of models below opset 20 into com.microsoft Gelu (erf form: x·0.5·(1+Erf(x/√2))) and FastGelu ' +
    '(tanh form: 0.5·x·(1+Tanh(√(2/π)·(x+0.044715·x³)))), constants within 1e-4; onnxruntime fuses the erf form itself at ' +
    'session creation (GeluFusion, level ≥ extended) but 1.30 left these tanh forms unfused when checked (its FastGeluFusion ' +
    'expects other arrangements), so the erf half is for other runtimes, a smaller file and a profile, the tanh half is new for onnxruntime too',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 7,
  domains: { 'com.microsoft': 1 },
  rules,
});
