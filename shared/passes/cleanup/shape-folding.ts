import { tensor } from '../../builder/index.js';
import { attrInt } from '../../ir/attribute-values.js';
import { ElemType } from '../../onnx/element-types.js';
import type { Pass } from '../../rewrite/pass.js';
import { replaceWithConstants } from './replace-with-constants.js';

// Shape's start/end (opset 15) select dims the way Python slices do: negative counts from the
// end, then clamped to [0, rank].
function clampIndex(i: number, rank: number): number {
  const x = i < 0 ? i + rank : i;
  return Math.min(Math.max(x, 0), rank);
}

/** Replaces Shape and Size by int64 constants where the dims they return are all known. */
export const shapeFolding: Pass = {
  name: 'shape-folding',
  description: 'replaces Shape (within its start/end) and Size by int64 initializers where every dimension they report is known',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  run(ctx) {
    const g = ctx.graph;
    let folded = 0;
    for (const n of [...g.nodes]) {
      if ((n.domain !== '' && n.domain !== 'ai.onnx') || (n.opType !== 'Shape' && n.opType !== 'Size') || !n.inputs[0]) continue;
      const shape = ctx.facts.tensor(g, n.inputs[0])?.shape;
      if (!shape) continue;
      const out = n.outputs[0]!;
      // Shape needs only the dims it returns to be known; Size needs them all.
      const rank = shape.length;
      const dims = n.opType === 'Size' ? shape : shape.slice(clampIndex(attrInt(n, 'start', 0), rank), clampIndex(attrInt(n, 'end', rank), rank));
      if (!dims.every((d): d is number => typeof d === 'number')) continue;
      const value =
        n.opType === 'Size'
          ? tensor(out, ElemType.INT64, [], [dims.reduce((a, b) => a * BigInt(b), 1n)])
          : tensor(out, ElemType.INT64, [dims.length], dims);
      if (replaceWithConstants(ctx, n, [value])) folded++;
    }
    return folded;
  },
};
