import { ElemType } from '../../onnx/element-types.js';
import { dtypeAttr, withElem, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';
import { castKnown } from './known-math.js';

// Type conversions: Cast/CastLike (which pass known values on, converted) and quantization.

const cast: OpRule = (ctx) => {
  const to = ctx.attrInt('to') ?? 0;
  const v = ctx.value(0);
  if (v && to !== ElemType.STRING) ctx.setValue(0, castKnown(v, to));
  return [withElem(ctx, 0, to)];
};

const castLike: OpRule = (ctx) => {
  const to = ctx.elem(1);
  const v = ctx.value(0);
  if (v && to !== 0 && to !== ElemType.STRING) ctx.setValue(0, castKnown(v, to));
  return [withElem(ctx, 0, to)];
};

const quantize: OpRule = (ctx) => [withElem(ctx, 0, ctx.elem(2) || dtypeAttr(ctx, 'output_dtype', ElemType.UINT8))];

const dequantize: OpRule = (ctx) => [withElem(ctx, 0, ctx.opset >= 19 || ctx.node.domain !== '' ? ctx.elem(1) || ElemType.FLOAT : ElemType.FLOAT)];

/** DynamicQuantizeLinear: uint8 data, float scale and uint8 zero point (scalars). */
export const dynamicQuantize: OpRule = (ctx) => [
  withElem(ctx, 0, ElemType.UINT8),
  tensorOf(ElemType.FLOAT, []),
  tensorOf(ElemType.UINT8, []),
];

/** Rules of the conversion operators (default domain). */
export const castRules: Record<string, OpRule> = {
  Cast: cast,
  CastLike: castLike,
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,
};

/** QuantizeLinear/DequantizeLinear as com.microsoft defines them (output type from the zero point / scale). */
export const msQuantizeRules: Record<string, OpRule> = { QuantizeLinear: quantize, DequantizeLinear: dequantize };
