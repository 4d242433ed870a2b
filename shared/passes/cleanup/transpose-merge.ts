import { attrs, attrInts } from '../../builder/index.js';
import { attrInts as readInts } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { op } from '../../rewrite/pattern.js';

function isPermutation(p: readonly number[]): boolean {
  return p.every((v) => Number.isInteger(v) && v >= 0 && v < p.length) && new Set(p).size === p.length;
}

// Without perm, Transpose reverses the dims.
function permOf(n: IrNode, rank: number): number[] {
  return readInts(n, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

/** Transpose(Transpose(x, p1), p2) → Transpose(x, p1∘p2), or x itself when that is the identity. */
export const transposeMerge = patternPass({
  name: 'transpose-merge',
  description: 'merges two consecutive Transposes into one, or removes both when they cancel',
  target: 'portable',
  numerics: 'exact',
  repeat: true,
  rules: [
    {
      pattern: op('Transpose', [op('Transpose', ['x'], { as: 'inner' })], { as: 'outer' }),
      rewrite(m) {
        const inner = m.nodes.inner!;
        const outer = m.root;
        const x = m.values.x!;
        const identity = { nodes: [], aliases: { [outer.outputs[0]!]: x } };
        // Reversed twice is the identity whatever the rank; otherwise the given perm tells the rank.
        const rank = readInts(inner, 'perm')?.length ?? readInts(outer, 'perm')?.length;
        if (rank === undefined) return identity;
        const p1 = permOf(inner, rank);
        const p2 = permOf(outer, rank);
        if (p1.length !== p2.length || !isPermutation(p1) || !isPermutation(p2)) return undefined;
        // Output dim i of the outer is dim p2[i] of the inner's output, which is dim p1[p2[i]] of x.
        const perm = p2.map((j) => p1[j]!);
        if (perm.every((v, i) => v === i)) return identity;
        const merged = { opType: 'Transpose', name: outer.name, inputs: [x], outputs: [outer.outputs[0]!], attributes: attrs({ perm: attrInts(perm) }) };
        return { nodes: [merged] };
      },
    },
  ],
});
