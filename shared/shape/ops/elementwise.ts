import { ElemType } from '../../onnx/element-types.js';
import { broadcastShapes, type Dim } from '../dims.js';
import type { KnownValue } from '../known-values.js';
import type { OpContext, OpRule } from '../rule.js';
import { tensorOf, type ValueType } from '../types.js';
import { binaryFunction, mapKnown, unaryFunction, zipKnown } from './known-math.js';

// Elementwise operators: unary ones keep their input's type; binary and variadic ones broadcast
// (numpy rules; before opset 7 the legacy `broadcast` attribute gave the first input's shape).

const UNARY = [
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Ceil', 'Cos', 'Cosh', 'Erf', 'Exp', 'Floor', 'Log', 'Neg',
  'Reciprocal', 'Round', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Sqrt', 'Tan', 'Tanh', 'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu',
  'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'ThresholdedRelu', 'Shrink', 'Mish', 'Gelu', 'BitwiseNot', 'Clip',
];

const BOOL_UNARY = ['Not', 'IsNaN', 'IsInf'];

const ARITHMETIC = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'];
const COMPARE = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
/** Ops that had the legacy `broadcast`/`axis` attributes before opset 7. */
const LEGACY_BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Xor']);

function unary(op: string, outElem?: number): OpRule {
  const f = unaryFunction(op);
  return (ctx) => {
    const t = ctx.tensor(0);
    const v = ctx.value(0);
    if (f && v) ctx.setValue(0, mapKnown(v, f));
    if (outElem !== undefined) return [tensorOf(outElem, t?.shape ?? null)];
    return [t];
  };
}

function firstElem(ctx: OpContext, inputs: readonly number[]): number {
  for (const i of inputs) {
    const e = ctx.elem(i);
    if (e) return e;
  }
  return 0;
}

/** Broadcast shape of the given inputs, null when any rank is unknown. */
export function broadcastInputs(ctx: OpContext, inputs: readonly number[]): Dim[] | null {
  const shapes: (readonly Dim[])[] = [];
  for (const i of inputs) {
    const s = ctx.shape(i);
    if (!s) return null;
    shapes.push(s);
  }
  return broadcastShapes(shapes);
}

function propagate(ctx: OpContext, op: string, inputs: readonly number[], elemType: number): void {
  const f = binaryFunction(op, elemType);
  if (!f) return;
  const values: KnownValue[] = [];
  for (const i of inputs) {
    const v = ctx.value(i);
    if (!v) return;
    values.push(v);
  }
  ctx.setValue(0, zipKnown(values, (xs) => xs.reduce((a, b) => f(a, b))));
}

function binary(op: string, outElem?: number): OpRule {
  return (ctx) => {
    const inElem = firstElem(ctx, [0, 1]);
    const elemType = outElem ?? (op === 'Pow' ? ctx.elem(0) : inElem);
    const shape = ctx.opset < 7 && LEGACY_BROADCAST.has(op) ? (ctx.shape(0) ?? null) : broadcastInputs(ctx, [0, 1]);
    propagate(ctx, op, [0, 1], inElem);
    return [elemType === 0 && !shape ? undefined : tensorOf(elemType, shape)];
  };
}

function variadic(op: string): OpRule {
  return (ctx) => {
    const inputs = [...Array(ctx.inputCount).keys()].filter((i) => ctx.hasInput(i));
    const elemType = firstElem(ctx, inputs);
    const shape = broadcastInputs(ctx, inputs);
    if (op !== 'Mean') propagate(ctx, op, inputs, elemType);
    return [elemType === 0 && !shape ? undefined : tensorOf(elemType, shape)];
  };
}

const where: OpRule = (ctx) => {
  const elemType = firstElem(ctx, [1, 2]);
  const shape = broadcastInputs(ctx, [0, 1, 2]);
  const c = ctx.value(0);
  const x = ctx.value(1);
  const y = ctx.value(2);
  if (c && x && y) ctx.setValue(0, zipKnown([c, x, y], ([cond, a, b]) => (typeof cond === 'number' ? (cond ? a! : b!) : null)));
  return [tensorOf(elemType, shape)];
};

const prelu: OpRule = (ctx) => [ctx.tensor(0)];

/** Rules of the elementwise operators (default domain). */
export const elementwiseRules: Record<string, OpRule> = {
  Where: where,
  PRelu: prelu,
  Max: variadic('Max'),
  Min: variadic('Min'),
  Sum: variadic('Sum'),
  Mean: variadic('Mean'),
};
for (const op of UNARY) elementwiseRules[op] = unary(op);
for (const op of BOOL_UNARY) elementwiseRules[op] = unary(op, ElemType.BOOL);
for (const op of ARITHMETIC) elementwiseRules[op] = binary(op);
for (const op of COMPARE) elementwiseRules[op] = binary(op, ElemType.BOOL);

/** A unary rule that keeps the input's type, for other modules' same-shape operators. */
export const sameType: OpRule = (ctx): (ValueType | undefined)[] => [ctx.type(0)];
