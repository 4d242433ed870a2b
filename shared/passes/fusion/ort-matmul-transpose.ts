import { attr, attrFloat } from '../../builder/index.js';
import { attrFloat as readFloat, attrInt, attrInts } from '../../ir/attribute-values.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { AttributeProto } from '../../onnx/proto-types.js';
import type { PassContext } from '../../rewrite/pass.js';
import { op, type InputPattern, type Match, type OpPattern } from '../../rewrite/pattern.js';
import { patternPass, type Rule } from '../../rewrite/pattern-pass.js';
import { knownRank, scaleFactor } from './ort-scalars.js';

// FusedMatMul's CPU kernel takes float and double.
const FLOAT_TYPES: ReadonlySet<number> = new Set([ElemType.FLOAT, ElemType.DOUBLE]);
const MS = 'com.microsoft';

type Operand = 'a' | 'b';
const operand = (name: Operand, transposed: boolean): InputPattern =>
  transposed ? op('Transpose', [name], { as: `t${name}` }) : name;

function product(domain: '' | typeof MS, ta: boolean, tb: boolean): OpPattern {
  return op(domain ? 'FusedMatMul' : 'MatMul', [operand('a', ta), operand('b', tb)], { as: 'mm', domain });
}

const scaled = (inner: OpPattern) => op(['Mul', 'Div'], [inner, 'const:alpha'], { as: 'scale', commutative: true });

/** The rank a Transpose's input is known to have: its perm's length, or the value's declared rank. */
function inputRank(ctx: PassContext, m: Match, name: Operand): number | undefined {
  const t = m.nodes[`t${name}`];
  return (t && attrInts(t, 'perm')?.length) || knownRank(ctx, m.values[name]);
}

// FusedMatMul transposes the last two axes only; without perm a Transpose reverses all axes, which is the same at rank 2.
function swapsLastTwo(ctx: PassContext, m: Match, name: Operand): boolean {
  const t = m.nodes[`t${name}`];
  if (!t) return true;
  const perm = attrInts(t, 'perm');
  if (!perm) return knownRank(ctx, m.values[name]) === 2;
  const r = perm.length;
  return r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
}

// MatMul's output rank (for how far a constant factor may broadcast): from both ranks when known,
// else at least one less than a known one (the other could be 1-D).
function outputRank(ctx: PassContext, m: Match): number | undefined {
  const [ra, rb] = [inputRank(ctx, m, 'a'), inputRank(ctx, m, 'b')];
  if (ra !== undefined && rb !== undefined) return ra === 1 && rb === 1 ? 0 : ra === 1 ? rb - 1 : rb === 1 ? ra - 1 : Math.max(ra, rb);
  const r = ra ?? rb;
  return r !== undefined && r >= 2 ? r - 1 : undefined;
}

function floatOperands(ctx: PassContext, m: Match): boolean {
  const types = (['a', 'b'] as const).map((v) => ctx.facts.tensor(ctx.graph, m.values[v]!)?.elemType);
  const alpha = m.values.alpha ? ctx.facts.constant(ctx.graph, m.values.alpha)?.dataType : undefined;
  // One known type is enough: MatMul and Mul take operands of one type.
  const known = [...types, alpha].find((t) => t !== undefined && t !== 0);
  return known !== undefined && FLOAT_TYPES.has(known);
}

function factor(ctx: PassContext, m: Match): number | undefined {
  const s = m.nodes.scale;
  return s ? scaleFactor(ctx, s, m.values.alpha, outputRank(ctx, m), FLOAT_TYPES) : 1;
}

// An existing FusedMatMul keeps its flags; transposing a batch axis too is left alone.
function batchFree(n: IrNode): boolean {
  return n.domain !== MS || (attrInt(n, 'transBatchA', 0) === 0 && attrInt(n, 'transBatchB', 0) === 0);
}

function guard(m: Match, ctx: PassContext): boolean {
  const mm = m.nodes.mm!;
  return batchFree(mm) && floatOperands(ctx, m) && swapsLastTwo(ctx, m, 'a') && swapsLastTwo(ctx, m, 'b') && factor(ctx, m) !== undefined;
}

function rewrite(m: Match, ctx: PassContext) {
  const mm = m.nodes.mm!;
  const flag = (name: Operand) => (attrInt(mm, name === 'a' ? 'transA' : 'transB', 0) ^ (m.nodes[`t${name}`] ? 1 : 0)) as 0 | 1;
  const alpha = readFloat(mm, 'alpha', 1) * factor(ctx, m)!;
  const attributes: AttributeProto[] = [];
  if (flag('a')) attributes.push(attr('transA', 1));
  if (flag('b')) attributes.push(attr('transB', 1));
  if (alpha !== 1) attributes.push(attr('alpha', attrFloat(alpha)));
  return {
    nodes: [{ opType: 'FusedMatMul', domain: MS, name: m.root.name || mm.name || undefined, inputs: [m.values.a!, m.values.b!], outputs: [m.root.outputs[0]!], attributes }],
  };
}

// Transposes into a MatMul or an earlier FusedMatMul, then a constant factor after either (an
// earlier rewrite in the same sweep turns MatMul into FusedMatMul before its Mul is reached).
const patterns: OpPattern[] = [];
for (const domain of ['', MS] as const) {
  for (const [ta, tb] of [[true, true], [true, false], [false, true]] as const) patterns.push(product(domain, ta, tb));
  patterns.push(scaled(product(domain, false, false)));
}
const rules: Rule[] = patterns.map((pattern) => ({ pattern, guard, rewrite }));

/** MatMul with a last-two-axes Transpose on A and/or B, and/or a scalar factor after it, fused into com.microsoft FusedMatMul. */
export const ortFuseMatMulTranspose = patternPass({
  name: 'ort-fuse-matmul-transpose',
  description:
    'fuses MatMul with a Transpose of the last two axes on A and/or B, and/or a Mul or Div by a scalar constant after it, into ' +
    'com.microsoft FusedMatMul (transA/transB/alpha); onnxruntime does the same at session creation (MatmulTransposeFusion, ' +
    'MatMulScaleFusion, level ≥ extended), so this is for other runtimes, a smaller file and a profile that shows it',
  target: 'onnxruntime',
  numerics: 'reassociation',
  minOpset: 7,
  domains: { 'com.microsoft': 1 },
  rules,
});
