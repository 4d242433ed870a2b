import { attrInts } from '../../ir/attribute-values.js';
import type { NodeSpec } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { Match, OpPattern } from '../../rewrite/pattern.js';
import { op } from '../../rewrite/pattern.js';
import type { PassContext } from '../../rewrite/pass.js';
import type { Rule } from '../../rewrite/pattern-pass.js';
import { patternPass } from '../../rewrite/pattern-pass.js';
import { perChannelValues } from './channel-broadcast.js';
import { addFloatConstant, floatConstant, FOLDABLE_FLOAT_TYPES } from './float-constants.js';

// A scale per output column after a Linear, the layer scale of ConvNeXt and CaiT blocks
// (x·W + b)·γ, is x·(W·γ) + b·γ: the Mul folds into the constant weight and bias. Both orders of
// Mul and Add operands, with or without the bias, and with a Transpose between the Linear and the
// Mul (torchvision's ConvNeXt permutes back to channels-first, then scales by γ of shape [C,1,1]).

const matmul = op('MatMul', ['x', 'const:w'], { as: 'mm' });
const biased = op('Add', [matmul, 'const:b'], { as: 'add', commutative: true });
const scaled = (product: OpPattern): OpPattern => op('Mul', [product, 'const:s'], { as: 'mul', commutative: true });
const transposed = (product: OpPattern): OpPattern => op('Transpose', [product], { as: 't' });
const PATTERNS: OpPattern[] = [biased, matmul, transposed(biased), transposed(matmul)].map(scaled);

interface Plan {
  elemType: number;
  /** W's dims; its values are decoded only when rewriting (weights are large, guards run often). */
  weightDims: [number, number];
  scale: Float64Array;
  bias?: Float64Array;
}

// A constant read only by the matched node: folding into it replaces it rather than adding a
// scaled copy beside the original.
function soleReader(ctx: PassContext, value: string, reader: IrNode): boolean {
  const g = ctx.graph;
  return g.initializers.has(value) && !g.isGraphInput(value) && !g.usedOutside(value, new Set([reader]));
}

function plan(m: Match, ctx: PassContext): Plan | undefined {
  const mm = m.nodes.mm!;
  const w = ctx.facts.constant(ctx.graph, m.values.w!);
  const elemType = w?.dataType ?? 0;
  const dims = (w?.dims ?? []).map(Number);
  if (!w || !FOLDABLE_FLOAT_TYPES.has(elemType) || dims.length !== 2 || !soleReader(ctx, m.values.w!, mm)) return undefined;
  const channels = dims[1]!;
  // The product's rank tells how the scale broadcasts; it must vary along the last axis only
  // (or not at all) and add no dims, or the Mul's result would be larger than the product.
  const rank = ctx.facts.tensor(ctx.graph, mm.outputs[0]!)?.shape?.length;
  if (rank === undefined || rank < 1) return undefined;
  // Where the product's last axis is when the Mul sees it.
  const axis = m.nodes.t ? movedLastAxis(m.nodes.t, rank) : rank - 1;
  if (axis === undefined) return undefined;
  const s = floatConstant(ctx, m.values.s);
  if (!s || s.elemType !== elemType) return undefined;
  const scale = perChannelValues(s, rank, axis, channels);
  if (!scale || !scale.every(Number.isFinite)) return undefined;
  const p: Plan = { elemType, weightDims: [dims[0]!, channels], scale };
  if (m.values.b !== undefined) {
    const b = floatConstant(ctx, m.values.b);
    if (!b || b.elemType !== elemType || !soleReader(ctx, m.values.b, m.nodes.add!)) return undefined;
    const bias = perChannelValues(b, rank, rank - 1, channels);
    if (!bias) return undefined;
    p.bias = bias;
  }
  return p;
}

// The axis of a Transpose's output that its input's last axis goes to (without perm, it reverses).
function movedLastAxis(t: IrNode, rank: number): number | undefined {
  const perm = attrInts(t, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) return undefined;
  return perm.indexOf(rank - 1);
}

function rewrite(m: Match, ctx: PassContext) {
  const p = plan(m, ctx)!;
  const w = floatConstant(ctx, m.values.w);
  if (!w) return undefined; // values not at hand (external data the host has not loaded)
  const [rows, cols] = p.weightDims;
  const scaled = new Float64Array(rows * cols);
  for (let i = 0; i < scaled.length; i++) scaled[i] = w.data[i]! * p.scale[i % cols]!;
  const weight = addFloatConstant(ctx, `${m.values.w}_scaled`, p.elemType, [rows, cols], scaled);
  const mm = m.nodes.mm!;
  const t = m.nodes.t;
  const out = m.root.outputs[0]!;
  // The Linear's result: the Mul's output, or the Transpose's input when one follows.
  const linearOut = t ? ctx.freshName(t.inputs[0]!) : out;
  const nodes: NodeSpec[] = [];
  if (!p.bias) nodes.push({ opType: 'MatMul', name: mm.name, inputs: [m.values.x!, weight], outputs: [linearOut] });
  else {
    const bias = addFloatConstant(ctx, `${m.values.b}_scaled`, p.elemType, [cols], p.bias.map((v, j) => v * p.scale[j]!));
    const product = ctx.freshName(mm.outputs[0]!);
    nodes.push(
      { opType: 'MatMul', name: mm.name, inputs: [m.values.x!, weight], outputs: [product] },
      { opType: 'Add', name: m.nodes.add!.name, inputs: [product, bias], outputs: [linearOut] },
    );
  }
  if (t) nodes.push({ opType: 'Transpose', name: t.name, inputs: [linearOut], outputs: [out], attributes: [...t.attributes] });
  return { nodes };
}

const rule = (pattern: OpPattern): Rule => ({ pattern, guard: (m, ctx) => plan(m, ctx) !== undefined, rewrite });

/** MatMul(x, W) [+ b] followed by a Mul by a per-column constant, folded into W and b. */
export const fuseMatMulScale = patternPass({
  name: 'fuse-matmul-scale',
  description:
    'folds a Mul by a constant that varies along the last axis only (a layer scale) after MatMul(x, W) or MatMul(x, W) + b, ' +
    'with W 2-D and constant, into W and b (W·γ, b·γ per column) when only that MatMul reads them; also through a Transpose ' +
    'between them, the constant varying along the axis the last one moved to',
  target: 'portable',
  numerics: 'reassociation',
  rules: PATTERNS.map(rule),
});
