import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { bypassNode } from './bypass-node.js';

// x + 0, 0 + x, x − 0, x · 1, 1 · x and x / 1 give x back: exporters leave them where a bias or a
// scale was initialized to zero or one (an untrained torchvision ConvNeXt's Linear biases). The
// only bit that may change is the sign of a zero (−0 + 0 = +0), which compares equal.

const NUMERIC: ReadonlySet<number> = new Set([
  ElemType.FLOAT,
  ElemType.DOUBLE,
  ElemType.FLOAT16,
  ElemType.BFLOAT16,
  ElemType.INT8,
  ElemType.INT16,
  ElemType.INT32,
  ElemType.INT64,
  ElemType.UINT8,
  ElemType.UINT16,
  ElemType.UINT32,
  ElemType.UINT64,
]);

/** For each op: the neutral value, and which input positions the constant may take. */
const NEUTRAL: Readonly<Record<string, { value: number; positions: readonly number[] }>> = {
  Add: { value: 0, positions: [1, 0] },
  Sub: { value: 0, positions: [1] },
  Mul: { value: 1, positions: [1, 0] },
  Div: { value: 1, positions: [1] },
};

function allEqual(ctx: PassContext, value: string, expected: number): boolean {
  const t = ctx.facts.constant(ctx.graph, value);
  const v = t && ctx.facts.values(t);
  if (!v || (Array.isArray(v) && v.some((x) => typeof x === 'string'))) return false;
  const values = v as ArrayLike<number | bigint>;
  if (values.length === 0) return false;
  for (let i = 0; i < values.length; i++) if (Number(values[i]) !== expected) return false;
  return true;
}

// The result must have x's shape and type: the constant may not add dims, nor broadcast x's
// dims (a constant dim is 1 or equal to x's known dim there), nor promote the type.
function keepsShapeAndType(ctx: PassContext, x: string, constant: string): boolean {
  const xt = ctx.facts.tensor(ctx.graph, x);
  const ct = ctx.facts.tensor(ctx.graph, constant);
  if (!xt?.shape || !ct?.shape || !NUMERIC.has(xt.elemType) || ct.elemType !== xt.elemType) return false;
  if (ct.shape.length > xt.shape.length) return false;
  const offset = xt.shape.length - ct.shape.length;
  return ct.shape.every((d, i) => d === 1 || (typeof d === 'number' && d === xt.shape![offset + i]));
}

/** The input the node passes through unchanged, or undefined when it is not an identity. */
function passedThrough(ctx: PassContext, n: IrNode): string | undefined {
  const rule = Object.hasOwn(NEUTRAL, n.opType) ? NEUTRAL[n.opType] : undefined;
  if (!rule || n.inputs.length !== 2 || n.outputs.length !== 1 || n.attributes.length) return undefined;
  for (const at of rule.positions) {
    const constant = n.inputs[at]!;
    const x = n.inputs[1 - at]!;
    if (!constant || !x || ctx.facts.constant(ctx.graph, constant) === undefined) continue;
    if (keepsShapeAndType(ctx, x, constant) && allEqual(ctx, constant, rule.value)) return x;
  }
  return undefined;
}

/** Removes Add/Sub of zeros and Mul/Div by ones that leave their other input's shape and type. */
export const arithmeticIdentityElimination: Pass = {
  name: 'arithmetic-identity-elimination',
  description:
    'removes Add/Sub of a constant of zeros and Mul/Div by a constant of ones when the result keeps the other input\'s shape and type',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    let count = 0;
    for (const n of [...ctx.graph.nodes]) {
      if (!n.inDefaultDomain) continue;
      const x = passedThrough(ctx, n);
      if (x !== undefined && bypassNode(ctx, n, x)) count++;
    }
    return count;
  },
};
