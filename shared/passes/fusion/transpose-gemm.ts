import { attr } from '../../builder/index.js';
import { attrInt, attrInts } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { op, type Match, type OpPattern } from '../../rewrite/pattern.js';
import type { Rule } from '../../rewrite/pattern-pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { withAttributes } from './node-attributes.js';

// Gemm's A and B are 2-D, so a Transpose feeding them is 2-D too, and without `perm` it reverses
// the two dims: both forms swap rows and columns.
const swapsTwoDims = (n: IrNode): boolean => {
  const perm = attrInts(n, 'perm');
  return perm === undefined || (perm.length === 2 && perm[0] === 1 && perm[1] === 0);
};

const transpose = (as: string, input: string): OpPattern => op('Transpose', [input], { as, where: swapsTwoDims });

function rule(a: OpPattern | string, b: OpPattern | string, flipA: boolean, flipB: boolean): Rule {
  return {
    pattern: op('Gemm', [a, b, 'c?'], { as: 'gemm' }),
    rewrite(m: Match) {
      const gemm = m.nodes.gemm!;
      const updates = [];
      if (flipA) updates.push(attr('transA', 1 - attrInt(gemm, 'transA', 0)));
      if (flipB) updates.push(attr('transB', 1 - attrInt(gemm, 'transB', 0)));
      // A Transpose read as both A and B is matched once, so only `a` is captured.
      const inputs = [m.values.a!, m.values.b ?? m.values.a!];
      if (m.values.c) inputs.push(m.values.c);
      return { nodes: [{ opType: 'Gemm', name: gemm.name, inputs, outputs: [...gemm.outputs], attributes: withAttributes(gemm.attributes, updates) }] };
    },
  };
}

// The same pattern object twice: one Transpose read as both A and B.
const shared = transpose('t', 'a');

/** Transpose(perm [1,0]) into Gemm's A and/or B, absorbed by flipping transA/transB. */
export const fuseTransposeGemm = patternPass({
  name: 'fuse-transpose-gemm',
  description:
    'removes a 2-D Transpose (perm [1,0]) feeding a Gemm\'s A or B by flipping transA/transB (onnxruntime does this itself ' +
    'at session creation, GemmTransposeFusion)',
  target: 'portable',
  numerics: 'reassociation',
  rules: [
    rule(shared, shared, true, true),
    rule(transpose('ta', 'a'), transpose('tb', 'b'), true, true),
    rule(transpose('ta', 'a'), 'b', true, false),
    rule('a', transpose('tb', 'b'), false, true),
  ],
});
