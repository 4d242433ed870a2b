import { attrInt } from '../../ir/attribute-values.js';
import { ElemType as T, isFloatType, isIntegerType } from '../../onnx/element-types.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { op } from '../../rewrite/pattern.js';

// For each source type, the types that hold every one of its values exactly (NaN and ±inf
// included for floats). Casting through one of them and on to T2 gives what casting straight to
// T2 gives, because a cast's result depends only on the value it is given.
const LOSSLESS: ReadonlyMap<number, ReadonlySet<number>> = new Map<number, ReadonlySet<number>>([
  [T.BOOL, new Set([T.UINT8, T.INT8, T.UINT16, T.INT16, T.UINT32, T.INT32, T.UINT64, T.INT64, T.FLOAT16, T.BFLOAT16, T.FLOAT, T.DOUBLE])],
  [T.UINT8, new Set([T.UINT16, T.INT16, T.UINT32, T.INT32, T.UINT64, T.INT64, T.FLOAT16, T.BFLOAT16, T.FLOAT, T.DOUBLE])],
  [T.INT8, new Set([T.INT16, T.INT32, T.INT64, T.FLOAT16, T.BFLOAT16, T.FLOAT, T.DOUBLE])],
  [T.UINT16, new Set([T.UINT32, T.INT32, T.UINT64, T.INT64, T.FLOAT, T.DOUBLE])],
  [T.INT16, new Set([T.INT32, T.INT64, T.FLOAT, T.DOUBLE])],
  [T.UINT32, new Set([T.UINT64, T.INT64, T.DOUBLE])],
  [T.INT32, new Set([T.INT64, T.DOUBLE])],
  [T.FLOAT16, new Set([T.FLOAT, T.DOUBLE])],
  [T.BFLOAT16, new Set([T.FLOAT, T.DOUBLE])],
  [T.FLOAT, new Set([T.DOUBLE])],
]);

/** Whether Cast(Cast(x, via), to) equals Cast(x, to) for every x of type `from`. */
export function castChainIsExact(from: number, via: number, to: number): boolean {
  if (!LOSSLESS.get(from)?.has(via)) return false;
  // Float to integer is undefined behaviour in C++ for NaN, ±inf and out-of-range values: what
  // onnxruntime gives there depends on compiler and CPU, and may differ between a float and a
  // double source. Keep the cast from the original type.
  return !(isFloatType(from) && isIntegerType(to)) && to !== T.STRING;
}

/** Cast(Cast(x, T1), T2) → Cast(x, T2) when the first cast loses nothing for any value of x's type. */
export const castMerge = patternPass({
  name: 'cast-merge',
  description: "merges Cast(Cast(x, T1), T2) into Cast(x, T2) where T1 holds every value of x's type exactly (e.g. float→double→float, int32→int64→int32)",
  target: 'portable',
  numerics: 'exact',
  repeat: true,
  rules: [
    {
      pattern: op('Cast', [op('Cast', ['x'], { as: 'inner' })], { as: 'outer' }),
      guard(m, ctx) {
        const from = ctx.facts.tensor(ctx.graph, m.values.x!)?.elemType;
        const via = attrInt(m.nodes.inner!, 'to');
        const to = attrInt(m.root, 'to');
        return from !== undefined && via !== undefined && to !== undefined && castChainIsExact(from, via, to);
      },
      rewrite(m, ctx) {
        const from = ctx.facts.tensor(ctx.graph, m.values.x!)!.elemType;
        if (attrInt(m.root, 'to') === from) return { nodes: [], aliases: { [m.root.outputs[0]!]: m.values.x! } };
        return { nodes: [{ opType: 'Cast', name: m.root.name, inputs: [m.values.x!], outputs: [m.root.outputs[0]!], attributes: m.root.attributes }] };
      },
    },
  ],
});
