import { attr, attrFloat as floatAttr } from '../../builder/index.js';
import { attrFloat, attrInt } from '../../ir/attribute-values.js';
import type { Match } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { batchNormAffine, type ChannelAffine } from './batchnorm-inference.js';
import { addFloatConstant, floatConstant, type FloatConstant } from './float-constants.js';
import { withAttributes } from './node-attributes.js';

const pattern = op(
  'BatchNormalization',
  [op('Gemm', ['a', 'const:b', 'const:c?'], { as: 'gemm' }), 'const:scale', 'const:bias', 'const:mean', 'const:var'],
  { as: 'bn' },
);

const GEMM_ATTRIBUTES = new Set(['alpha', 'beta', 'transA', 'transB']);

interface Plan {
  b: FloatConstant;
  c: FloatConstant | undefined;
  transB: boolean;
  n: number;
  bn: ChannelAffine;
}

function plan(m: Match, ctx: PassContext): Plan | undefined {
  const gemm = m.nodes.gemm!;
  if (gemm.attributes.some((a) => !GEMM_ATTRIBUTES.has(a.name ?? ''))) return undefined;
  const b = floatConstant(ctx, m.values.b);
  if (!b || b.dims.length !== 2) return undefined;
  const transB = attrInt(gemm, 'transB', 0) !== 0;
  const n = b.dims[transB ? 0 : 1]!;
  let c: FloatConstant | undefined;
  if (m.values.c) {
    c = floatConstant(ctx, m.values.c);
    // C broadcasts to [M, N]: its last dim (if any) is 1 or N; a leading dim is 1 or M.
    if (!c || c.elemType !== b.elemType || c.dims.length > 2) return undefined;
    if (c.dims.length > 0 && c.dims[c.dims.length - 1] !== 1 && c.dims[c.dims.length - 1] !== n) return undefined;
  }
  if (!Number.isFinite(attrFloat(gemm, 'beta', 1)) || !Number.isFinite(attrFloat(gemm, 'alpha', 1))) return undefined;
  // The Gemm output is [M, N], so the BatchNormalization's channels are its columns.
  const bn = batchNormAffine(ctx, m.nodes.bn!, n, b.elemType);
  return bn && { b, c, transB, n, bn };
}

// B' scales each output column: B[k, n] (transB=0) or B[n, k] (transB=1) times s[n].
function scaledB({ b, transB, n, bn }: Plan): Float64Array {
  const out = new Float64Array(b.data.length);
  for (let i = 0; i < out.length; i++) out[i] = b.data[i]! * bn.scale[transB ? Math.floor(i / b.dims[1]!) : i % n]!;
  return out;
}

// C' = (β·C)·s + shift for every row C has (1 when it has none or one); β becomes 1.
function newC({ c, n, bn }: Plan, beta: number): { dims: number[]; data: Float64Array } {
  const rows = c && c.dims.length === 2 ? c.dims[0]! : 1;
  const cols = c && c.dims.length > 0 ? c.dims[c.dims.length - 1]! : 1;
  const data = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const value = c ? beta * c.data[r * cols + (cols === 1 ? 0 : j)]! : 0;
      data[r * n + j] = value * bn.scale[j]! + bn.shift[j]!;
    }
  }
  return { dims: rows === 1 ? [n] : [rows, n], data };
}

/** Gemm → BatchNormalization (inference) folded into the Gemm's B and C. */
export const fuseGemmBatchNorm = patternPass({
  name: 'fuse-gemm-batchnorm',
  description:
    'folds an inference-mode BatchNormalization over a Gemm\'s [M, N] output into its constant B (each output column, ' +
    'respecting transB) and C (created when absent, β folded in; onnxruntime does not fuse this, only MatMul+BatchNormalization)',
  target: 'portable',
  numerics: 'reassociation',
  minOpset: 7,
  rules: [
    {
      pattern,
      guard: (m, ctx) => plan(m, ctx) !== undefined,
      rewrite(m, ctx) {
        const gemm = m.nodes.gemm!;
        const p = plan(m, ctx)!;
        const base = gemm.name || 'gemm';
        const b = addFloatConstant(ctx, `${base}_B_fused`, p.b.elemType, p.b.dims, scaledB(p));
        const c = newC(p, attrFloat(gemm, 'beta', 1));
        const cName = addFloatConstant(ctx, `${base}_C_fused`, p.b.elemType, c.dims, c.data);
        const attributes = withAttributes(gemm.attributes, [attr('beta', floatAttr(1))]);
        return { nodes: [{ opType: 'Gemm', name: gemm.name, inputs: [m.values.a!, b, cName], outputs: [m.root.outputs[0]!], attributes }] };
      },
    },
  ],
});
