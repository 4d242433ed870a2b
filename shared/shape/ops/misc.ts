import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimFloorDiv, dimProduct, dimSub, type Dim } from '../dims.js';
import { numberOf, scalarOf } from '../known-values.js';
import { normAxis, type OpRule } from '../rule.js';
import { tensorOf, type ValueType } from '../types.js';
import { broadcastInputs } from './elementwise.js';

// Operators with data-dependent or op-specific output shapes: Identity, NonMaxSuppression,
// Unique, the string operators, TfIdfVectorizer, the signal transforms (DFT, STFT) and AffineGrid.

const identity: OpRule = (ctx) => {
  ctx.setValue(0, ctx.value(0) ?? ctx.strings(0));
  return [ctx.type(0)];
};

const nonMaxSuppression: OpRule = () => [tensorOf(ElemType.INT64, [null, 3])];

const unique: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const axis = ctx.attrInt('axis');
  const ids = tensorOf(ElemType.INT64, [null]);
  if (axis === undefined || !s) {
    // The inverse indices have one entry per input element.
    const count = s && !s.includes(null) ? dimProduct(s) : null;
    return [tensorOf(elem, axis === undefined ? [null] : null), ids, tensorOf(ElemType.INT64, [count]), ids];
  }
  const a = normAxis(axis, s.length);
  return [tensorOf(elem, s.map((d, i) => (i === a ? null : d))), ids, tensorOf(ElemType.INT64, [s[a]!]), ids];
};

const stringNormalizer: OpRule = (ctx) => {
  const s = ctx.shape(0);
  if (!s) return [tensorOf(ElemType.STRING, null)];
  const stop = ctx.attrStrings('stopwords') ?? [];
  if (stop.length === 0) return [tensorOf(ElemType.STRING, s)];
  const values = ctx.strings(0);
  let count: Dim = null;
  if (values) {
    const sensitive = ctx.attrInt('is_case_sensitive') === 1;
    const key = (x: string) => (sensitive ? x : x.toLowerCase());
    const stopSet = new Set(stop.map(key));
    // All words removed leaves a single empty string.
    count = Math.max(values.strings.filter((x) => !stopSet.has(key(x))).length, 1);
  }
  return [tensorOf(ElemType.STRING, s.length === 2 ? [s[0]!, count] : [count])];
};

const tfIdfVectorizer: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const indexes = ctx.attrInts('ngram_indexes') ?? [];
  const width = indexes.length ? Math.max(...indexes) + 1 : null;
  if (!s) return [tensorOf(ElemType.FLOAT, null)];
  return [tensorOf(ElemType.FLOAT, s.length === 2 ? [s[0]!, width] : [width])];
};

const dft: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const axisValue = ctx.opset >= 20 ? (ctx.hasInput(2) ? numberOf(ctx.value(2)) : -2) : (ctx.attrInt('axis') ?? 1);
  if (axisValue === undefined) return [tensorOf(elem, s.map(() => null))];
  const axis = normAxis(axisValue, s.length);
  const length = ctx.hasInput(1) ? (scalarOf(ctx.value(1)) ?? null) : s[axis]!;
  const out = [...s];
  out[axis] = ctx.attrInt('onesided') === 1 ? dimAdd(dimFloorDiv(length, 2), 1) : length;
  out[s.length - 1] = 2;
  return [tensorOf(elem, out)];
};

const stft: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  const step = numberOf(ctx.value(1));
  const frameLength = (ctx.hasInput(3) ? scalarOf(ctx.value(3)) : undefined) ?? ctx.shape(2)?.[0] ?? null;
  const batch = s ? s[0]! : null;
  const frames = s && step !== undefined ? dimAdd(dimFloorDiv(dimSub(s[1]!, frameLength), step), 1) : null;
  const bins = (ctx.attrInt('onesided') ?? 1) === 1 ? dimAdd(dimFloorDiv(frameLength, 2), 1) : frameLength;
  return [tensorOf(elem, [batch, frames, bins, 2])];
};

const affineGrid: OpRule = (ctx) => {
  const size = ctx.value(1)?.data;
  const elem = ctx.elem(0);
  if (!size) return [tensorOf(elem, null)];
  const spatial = size.slice(2);
  return [tensorOf(elem, [size[0]!, ...spatial, spatial.length])];
};

const stringConcat: OpRule = (ctx) => [tensorOf(ElemType.STRING, broadcastInputs(ctx, [0, 1]))];
const regexFullMatch: OpRule = (ctx) => [tensorOf(ElemType.BOOL, ctx.shape(0) ?? null)];
const stringSplit: OpRule = (ctx) => {
  const s = ctx.shape(0);
  return [tensorOf(ElemType.STRING, s ? [...s, null] : null), tensorOf(ElemType.INT64, s ?? null)];
};
const imageDecoder: OpRule = () => [tensorOf(ElemType.UINT8, [null, null, null])];

/** Rules of the remaining default-domain operators. */
export const miscRules: Record<string, OpRule> = {
  Identity: identity,
  NonMaxSuppression: nonMaxSuppression,
  Unique: unique,
  StringNormalizer: stringNormalizer,
  TfIdfVectorizer: tfIdfVectorizer,
  DFT: dft,
  STFT: stft,
  AffineGrid: affineGrid,
  StringConcat: stringConcat,
  RegexFullMatch: regexFullMatch,
  StringSplit: stringSplit,
  ImageDecoder: imageDecoder,
};

// ---- ai.onnx.preview.training ----------------------------------------------------------------

/** Optimizer ops: output k has the type of the input that holds the tensor it updates. */
function optimizer(groups: number, outputGroups: readonly number[]): OpRule {
  return (ctx) => {
    const n = Math.floor((ctx.inputCount - 2) / groups);
    const out: (ValueType | undefined)[] = [];
    for (const g of outputGroups) for (let i = 0; i < n; i++) out.push(ctx.type(2 + g * n + i));
    return out;
  };
}

const gradient: OpRule = (ctx) => (ctx.attrStrings('xs') ?? []).map((x) => ctx.typeOfName(x));

/** Rules of the training operators (ai.onnx.preview.training). */
export const trainingRules: Record<string, OpRule> = {
  Adagrad: optimizer(3, [0, 2]),
  Adam: optimizer(4, [0, 2, 3]),
  Momentum: optimizer(3, [0, 2]),
  Gradient: gradient,
};
