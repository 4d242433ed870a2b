import { attrInt } from '../../ir/attribute-values.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { op } from '../../rewrite/pattern.js';
import { constantInts } from './int-operands.js';

/** Reshape(Reshape(x, s1), s2) → Reshape(x, s2) when s2 is a constant that does not copy dims from its input. */
export const reshapeMerge = patternPass({
  name: 'reshape-merge',
  description: 'makes a Reshape of a Reshape reshape the original input when its own target is constant and copies no dims (no 0 without allowzero)',
  target: 'portable',
  numerics: 'exact',
  minOpset: 5,
  repeat: true,
  rules: [
    {
      pattern: op('Reshape', [op('Reshape', ['x', 's1'], { as: 'inner' }), 'const:s2'], { as: 'outer' }),
      guard(m, ctx) {
        const s2 = constantInts(ctx, m.values.s2!);
        // A 0 entry copies a dim of the inner's output, which x may not have at that place. A -1
        // is fine: both inputs hold the same number of elements.
        return s2 !== undefined && (attrInt(m.root, 'allowzero', 0) !== 0 || !s2.includes(0n));
      },
      rewrite: (m) => ({
        nodes: [{ opType: 'Reshape', name: m.root.name, inputs: [m.values.x!, m.values.s2!], outputs: [m.root.outputs[0]!], attributes: m.root.attributes }],
      }),
    },
  ],
});
