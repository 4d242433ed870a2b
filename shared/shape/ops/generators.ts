import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimSub, isStaticShape, type Dim } from '../dims.js';
import { known, knownFromTensor, knownLimit, numberOf, scalarOf } from '../known-values.js';
import { dtypeAttr, type OpRule } from '../rule.js';
import { tensorOf, type TensorType } from '../types.js';

// Operators that make tensors: Constant (whose values feed data propagation), ConstantOfShape,
// Range, EyeLike, the random generators and the signal windows.

const constant: OpRule = (ctx) => {
  const t = ctx.attrTensor('value');
  if (t) {
    const k = knownFromTensor(t);
    if (k) ctx.setValue(0, k);
    return [tensorOf(t.dataType ?? 0, (t.dims ?? []).map(Number))];
  }
  const sparse = ctx.attribute('sparse_value')?.sparseTensor;
  if (sparse) return [tensorOf(sparse.values?.dataType ?? 0, (sparse.dims ?? []).map(Number))];
  const i = ctx.attrInt('value_int');
  if (i !== undefined) {
    ctx.setValue(0, known([], [i]));
    return [tensorOf(ElemType.INT64, [])];
  }
  const ints = ctx.attrInts('value_ints');
  if (ints) {
    ctx.setValue(0, known([ints.length], ints));
    return [tensorOf(ElemType.INT64, [ints.length])];
  }
  const f = ctx.attrFloat('value_float');
  if (f !== undefined) {
    ctx.setValue(0, known([], [f]));
    return [tensorOf(ElemType.FLOAT, [])];
  }
  const floats = ctx.attrFloats('value_floats');
  if (floats) {
    ctx.setValue(0, known([floats.length], floats));
    return [tensorOf(ElemType.FLOAT, [floats.length])];
  }
  const s = ctx.attrString('value_string');
  if (s !== undefined) {
    ctx.setValue(0, { shape: [], strings: [s] });
    return [tensorOf(ElemType.STRING, [])];
  }
  const strings = ctx.attrStrings('value_strings');
  if (strings) {
    ctx.setValue(0, { shape: [strings.length], strings });
    return [tensorOf(ElemType.STRING, [strings.length])];
  }
  return [undefined];
};

const constantOfShape: OpRule = (ctx) => {
  const v = ctx.attrTensor('value');
  const elem = v?.dataType ?? ElemType.FLOAT;
  const dims = ctx.value(0)?.data;
  if (!dims) {
    const len = ctx.shape(0)?.[0];
    return [tensorOf(elem, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null)];
  }
  if (isStaticShape(dims)) {
    const n = dims.reduce((a, b) => a * b, 1);
    const fill = v ? scalarOf(knownFromTensor(v)) : 0;
    if (n <= knownLimit(elem) && fill !== undefined) ctx.setValue(0, known(dims, new Array<Dim>(n).fill(fill)));
  }
  return [tensorOf(elem, [...dims])];
};

const range: OpRule = (ctx) => {
  const elem = ctx.elem(0) || ctx.elem(1) || ctx.elem(2);
  const start = scalarOf(ctx.value(0));
  const limit = scalarOf(ctx.value(1));
  const delta = scalarOf(ctx.value(2));
  let count: Dim = null;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number' && delta !== 0) {
    count = Math.max(Math.ceil((limit - start) / delta), 0);
    if (count <= knownLimit(elem)) ctx.setValue(0, known([count], Array.from({ length: count }, (_, k) => start + k * delta)));
  } else if (start !== undefined && limit !== undefined && typeof delta === 'number' && delta > 0 && Number.isInteger(delta)) {
    // A symbolic range: arange(seq), arange(past, past+seq)...
    count = dimCeilDiv(dimSub(limit, start), delta);
  }
  return [tensorOf(elem, [count])];
};

const eyeLike: OpRule = (ctx) => [tensorOf(dtypeAttr(ctx, 'dtype', ctx.elem(0)), ctx.shape(0) ?? null)];

const random: OpRule = (ctx) => [tensorOf(dtypeAttr(ctx, 'dtype', ElemType.FLOAT), ctx.attrInts('shape') ?? null)];

const randomLike: OpRule = (ctx) => [tensorOf(dtypeAttr(ctx, 'dtype', ctx.elem(0)), ctx.shape(0) ?? null)];

const multinomial: OpRule = (ctx) => {
  const s = ctx.shape(0);
  return [tensorOf(dtypeAttr(ctx, 'dtype', ElemType.INT32), [s ? s[0]! : null, ctx.attrInt('sample_size') ?? 1])];
};

const windowOp: OpRule = (ctx) => {
  const size = numberOf(ctx.value(0));
  return [tensorOf(dtypeAttr(ctx, 'output_datatype', ElemType.FLOAT), [size ?? null])];
};

const melWeightMatrix: OpRule = (ctx): TensorType[] => {
  const bins = numberOf(ctx.value(0));
  const dft = scalarOf(ctx.value(1));
  const rows = dft === undefined ? null : dimAdd(dimFloorDiv(dft, 2), 1);
  return [tensorOf(dtypeAttr(ctx, 'output_datatype', ElemType.FLOAT), [rows, bins ?? null])];
};

/** Rules of the generator operators (default domain). */
export const generatorRules: Record<string, OpRule> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  EyeLike: eyeLike,
  RandomNormal: random,
  RandomUniform: random,
  RandomNormalLike: randomLike,
  RandomUniformLike: randomLike,
  Bernoulli: randomLike,
  Multinomial: multinomial,
  HannWindow: windowOp,
  HammingWindow: windowOp,
  BlackmanWindow: windowOp,
  MelWeightMatrix: melWeightMatrix,
};
