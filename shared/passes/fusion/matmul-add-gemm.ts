import type { Dim } from '../../rewrite/value-facts.js';
import type { Match } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { FOLDABLE_FLOAT_TYPES } from './float-constants.js';

const pattern = op('Add', [op('MatMul', ['a', 'b'], { as: 'mm' }), 'c'], { as: 'add', commutative: true });

// Equal when both are the same number or the same symbol; unknown dims are never equal.
function sameDim(a: Dim | undefined, b: Dim | undefined): boolean {
  return a !== null && a !== undefined && a === b;
}

/**
 * Add broadcasts both ways, Gemm's C only towards [M, N]: C may have at most two dims, each 1 or
 * equal to the matching dim of A·B, or the Add's result would be larger than the Gemm's.
 */
function fits(ctx: PassContext, m: Match): boolean {
  if (m.nodes.add!.attributes.length) return false;
  const [a, b, c] = [m.values.a!, m.values.b!, m.values.c!].map((v) => ctx.facts.tensor(ctx.graph, v));
  if (!a || !b || !c || !a.shape || !b.shape || !c.shape) return false;
  if (!FOLDABLE_FLOAT_TYPES.has(a.elemType) || b.elemType !== a.elemType || c.elemType !== a.elemType) return false;
  if (a.shape.length !== 2 || b.shape.length !== 2 || c.shape.length > 2) return false;
  const result = [a.shape[0], b.shape[1]];
  return c.shape.every((d, i) => d === 1 || sameDim(d, result[2 - c.shape!.length + i]));
}

/** MatMul(A, B) + C → Gemm(A, B, C) for 2-D A and B. */
export const fuseMatMulAddGemm = patternPass({
  name: 'fuse-matmul-add-gemm',
  description:
    'turns MatMul(A, B) followed by Add(C) into Gemm(A, B, C) when A and B are known to be 2-D, of one float type, and C ' +
    'broadcasts to [M, N] one way (onnxruntime does this itself at session creation, MatMulAddFusion)',
  target: 'portable',
  numerics: 'reassociation',
  minOpset: 7,
  rules: [
    {
      pattern,
      guard: (m, ctx) => fits(ctx, m),
      rewrite: (m) => ({
        nodes: [{ opType: 'Gemm', name: m.nodes.mm!.name, inputs: [m.values.a!, m.values.b!, m.values.c!], outputs: [m.root.outputs[0]!] }],
      }),
    },
  ],
});
