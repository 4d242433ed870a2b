import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMul, dimSub, type Dim } from '../dims.js';
import { numbersOf } from '../known-values.js';
import { ShapeError, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';

// Convolutions and pooling: output spatial sizes from kernel, strides, dilations, pads or
// auto_pad (SAME_UPPER/SAME_LOWER: ceil(in / stride); VALID: no padding) and ceil_mode.

interface Window {
  kernel: readonly Dim[];
  strides: readonly number[];
  dilations: readonly number[];
  pads: readonly number[];
  autoPad: string;
  ceil: boolean;
}

function windowOf(ctx: OpContext, kernel: readonly Dim[], n: number): Window {
  const strides = ctx.attrInts('strides') ?? new Array<number>(n).fill(1);
  const dilations = ctx.attrInts('dilations') ?? new Array<number>(n).fill(1);
  const pads = ctx.attrInts('pads') ?? new Array<number>(2 * n).fill(0);
  if (kernel.length !== n || strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    throw new ShapeError(`window attributes do not match ${n} spatial dims`);
  }
  return { kernel, strides, dilations, pads, autoPad: ctx.attrString('auto_pad') ?? 'NOTSET', ceil: ctx.attrInt('ceil_mode') === 1 };
}

/** Output sizes of a sliding window over `spatial` input sizes. */
function windowOutput(spatial: readonly Dim[], w: Window): Dim[] {
  return spatial.map((d, i) => {
    const s = w.strides[i]!;
    const k = w.kernel[i]!;
    const effK = typeof k === 'number' ? (k - 1) * w.dilations[i]! + 1 : w.dilations[i] === 1 ? k : null;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimCeilDiv(d, s);
    const padded = w.autoPad === 'VALID' ? d : dimAdd(d, w.pads[i]! + w.pads[i + spatial.length]!);
    const span = dimSub(padded, effK);
    if (!w.ceil) return dimAdd(dimFloorDiv(span, s), 1);
    let out = dimAdd(dimCeilDiv(span, s), 1);
    // As in PyTorch and the ONNX reference: the last window must start inside the input or left pad.
    if (typeof out === 'number' && typeof d === 'number' && (out - 1) * s >= d + w.pads[i]!) out -= 1;
    return out;
  });
}

function convLike(weightInput: number, outElem?: (ctx: OpContext) => number): OpRule {
  return (ctx) => {
    const x = ctx.shape(0);
    const wShape = ctx.shape(weightInput);
    const elem = outElem ? outElem(ctx) : ctx.elem(0);
    if (!x) return [tensorOf(elem, null)];
    if (x.length < 3) throw new ShapeError(`input must have rank 3 or more, has ${x.length}`);
    const n = x.length - 2;
    const kernel = ctx.attrInts('kernel_shape') ?? wShape?.slice(2);
    const m = wShape ? wShape[0]! : null;
    if (!kernel) return [tensorOf(elem, [x[0]!, m, ...new Array<Dim>(n).fill(null)])];
    return [tensorOf(elem, [x[0]!, m, ...windowOutput(x.slice(2), windowOf(ctx, kernel, n))])];
  };
}

const convTranspose: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const elem = ctx.elem(0);
  if (!x) return [tensorOf(elem, null)];
  const n = x.length - 2;
  const group = ctx.attrInt('group') ?? 1;
  const channels = w ? dimMul(w[1]!, group) : null;
  const outputShape = ctx.attrInts('output_shape');
  if (outputShape) return [tensorOf(elem, [x[0]!, channels, ...outputShape.slice(-n)])];
  const kernel = ctx.attrInts('kernel_shape') ?? w?.slice(2);
  if (!kernel) return [tensorOf(elem, [x[0]!, channels, ...new Array<Dim>(n).fill(null)])];
  const win = windowOf(ctx, kernel, n);
  const outPad = ctx.attrInts('output_padding') ?? new Array<number>(n).fill(0);
  const spatial = x.slice(2).map((d, i) => {
    const s = win.strides[i]!;
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return dimMul(d, s);
    const k = kernel[i]!;
    const effK = typeof k === 'number' ? (k - 1) * win.dilations[i]! + 1 : null;
    const pads = win.autoPad === 'VALID' ? 0 : win.pads[i]! + win.pads[i + n]!;
    return dimAdd(dimMul(s, dimSub(d, 1)), dimSub(dimAdd(effK, outPad[i] ?? 0), pads));
  });
  return [tensorOf(elem, [x[0]!, channels, ...spatial])];
};

function pool(withIndices: boolean): OpRule {
  return (ctx) => {
    const x = ctx.shape(0);
    const elem = ctx.elem(0);
    if (!x) return withIndices ? [tensorOf(elem, null), tensorOf(ElemType.INT64, null)] : [tensorOf(elem, null)];
    const kernel = ctx.attrInts('kernel_shape');
    if (!kernel) throw new ShapeError('kernel_shape is required');
    const shape = [x[0]!, x[1]!, ...windowOutput(x.slice(2), windowOf(ctx, kernel, x.length - 2))];
    return withIndices ? [tensorOf(elem, shape), tensorOf(ElemType.INT64, shape)] : [tensorOf(elem, shape)];
  };
}

const globalPool: OpRule = (ctx) => {
  const x = ctx.shape(0);
  return [tensorOf(ctx.elem(0), x ? [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] : null)];
};

const maxUnpool: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const elem = ctx.elem(0);
  const given = ctx.hasInput(2) ? ctx.value(2)?.data : undefined;
  if (given) return [tensorOf(elem, [...given])];
  if (!x) return [tensorOf(elem, null)];
  if (ctx.hasInput(2)) {
    const len = ctx.shape(2)?.[0];
    return [tensorOf(elem, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null)];
  }
  const kernel = ctx.attrInts('kernel_shape');
  if (!kernel) throw new ShapeError('kernel_shape is required');
  const n = x.length - 2;
  const w = windowOf(ctx, kernel, n);
  const spatial = x.slice(2).map((d, i) => dimSub(dimAdd(dimMul(dimSub(d, 1), w.strides[i]!), kernel[i]!), w.pads[i]! + w.pads[i + n]!));
  return [tensorOf(elem, [x[0]!, x[1]!, ...spatial])];
};

const maxRoiPool: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const rois = ctx.shape(1);
  const pooled = ctx.attrInts('pooled_shape') ?? [null, null];
  return [tensorOf(ctx.elem(0), [rois ? rois[0]! : null, x ? x[1]! : null, ...pooled])];
};

const roiAlign: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const rois = ctx.shape(1);
  const h = ctx.attrInt('output_height') ?? 1;
  const w = ctx.attrInt('output_width') ?? 1;
  return [tensorOf(ctx.elem(0), [rois ? rois[0]! : null, x ? x[1]! : null, h, w])];
};

const col2Im: OpRule = (ctx) => {
  const x = ctx.shape(0);
  const image = numbersOf(ctx.value(1));
  const block = numbersOf(ctx.value(2));
  const elem = ctx.elem(0);
  if (!x || !image) return [tensorOf(elem, null)];
  const blockSize = block ? block.reduce((a, b) => a * b, 1) : null;
  const c = blockSize === null ? null : dimFloorDiv(x[1]!, blockSize);
  return [tensorOf(elem, [x[0]!, c, ...image])];
};

/** Rules of convolution and pooling (default domain). */
export const convPoolRules: Record<string, OpRule> = {
  Conv: convLike(1),
  ConvInteger: convLike(1, () => ElemType.INT32),
  QLinearConv: convLike(3, (ctx) => ctx.elem(7) || ctx.elem(0)),
  DeformConv: convLike(1),
  ConvTranspose: convTranspose,
  MaxPool: pool(true),
  AveragePool: pool(false),
  LpPool: pool(false),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxUnpool: maxUnpool,
  MaxRoiPool: maxRoiPool,
  RoiAlign: roiAlign,
  Col2Im: col2Im,
};

/** The Conv rule, for fused variants in other domains. */
export const convRule: OpRule = convLike(1);
