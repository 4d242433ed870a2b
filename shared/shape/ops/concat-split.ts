import { dimAdd, dimCeilDiv, dimDivExact, type Dim } from '../dims.js';
import { known, numbersOf, type KnownValue } from '../known-values.js';
import { normAxis, ShapeError, type OpContext, type OpRule } from '../rule.js';
import { tensorOf, type TensorType } from '../types.js';

// Concat, Split and Pad: they add or cut sizes along axes. Concat of known values (shape vectors
// above all) is what lets Reshape targets built by exporters resolve.

/** Dims that must be equal across inputs: a size wins over a symbol, a symbol over unknown. */
function agree(dims: readonly Dim[]): Dim {
  let best: Dim = null;
  for (const d of dims) {
    if (typeof d === 'number') return d;
    if (best === null) best = d;
  }
  return best;
}

/** Known values concatenated along an axis (all inputs known, same rank). */
export function concatKnown(values: readonly KnownValue[], axis: number): KnownValue | undefined {
  const first = values[0];
  if (!first) return undefined;
  const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const data: Dim[] = [];
  for (let o = 0; o < outer; o++) {
    for (const v of values) {
      const inner = v.shape.slice(axis).reduce((a, b) => a * b, 1);
      for (let k = 0; k < inner; k++) data.push(v.data[o * inner + k]!);
    }
  }
  const shape = [...first.shape];
  shape[axis] = values.reduce((n, v) => n + (v.shape[axis] ?? 1), 0);
  return known(shape, data);
}

const concat: OpRule = (ctx) => {
  const inputs = [...Array(ctx.inputCount).keys()].filter((i) => ctx.hasInput(i));
  const types = inputs.map((i) => ctx.tensor(i));
  const elem = types.find((t) => t?.elemType)?.elemType ?? 0;
  const shapes = types.map((t) => t?.shape);
  const ranked = shapes.find((s) => s);
  if (!ranked) return [tensorOf(elem, null)];
  const rank = ranked.length;
  const axis = normAxis(ctx.attrInt('axis') ?? (ctx.opset < 4 ? 1 : 0), rank);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    if (i === axis) {
      let sum: Dim = 0;
      for (const s of shapes) sum = s ? dimAdd(sum, s[i] ?? null) : null;
      out.push(sum);
    } else out.push(agree(shapes.map((s) => (s ? (s[i] ?? null) : null))));
  }
  for (const s of shapes) if (s && s.length !== rank) throw new ShapeError(`inputs have ranks ${s.length} and ${rank}`);
  const values = inputs.map((i) => ctx.value(i));
  if (values.every((v): v is KnownValue => v !== undefined && v.shape.length === rank)) ctx.setValue(0, concatKnown(values, axis));
  return [tensorOf(elem, out)];
};

function splitSizes(ctx: OpContext): readonly Dim[] | undefined | 'unknown' {
  if (ctx.opset >= 13 || (ctx.opset < 2 && ctx.hasInput(1))) {
    if (!ctx.hasInput(1)) return undefined;
    return ctx.value(1)?.data ?? 'unknown';
  }
  return ctx.attrInts('split');
}

const split: OpRule = (ctx) => {
  const t = ctx.tensor(0);
  const elem = t?.elemType ?? 0;
  const n = ctx.outputCount;
  const unknown = (): TensorType[] => new Array<TensorType>(n).fill(tensorOf(elem, t?.shape ? t.shape.map(() => null) : null));
  if (!t?.shape) return unknown();
  const s = t.shape;
  const axis = normAxis(ctx.attrInt('axis') ?? 0, s.length);
  const sizes = splitSizes(ctx);
  if (sizes === 'unknown') {
    return new Array<TensorType>(n).fill(tensorOf(elem, s.map((d, i) => (i === axis ? null : d))));
  }
  const d = s[axis]!;
  let parts: Dim[];
  if (sizes) parts = [...sizes];
  else if (ctx.opset >= 18 && ctx.attrInt('num_outputs') !== undefined) {
    const k = ctx.attrInt('num_outputs')!;
    const chunk = dimCeilDiv(d, k);
    parts = Array.from({ length: k }, (_, i) => (i < k - 1 ? chunk : typeof d === 'number' && typeof chunk === 'number' ? d - chunk * (k - 1) : dimDivExact(d, k)));
  } else parts = new Array<Dim>(n).fill(dimDivExact(d, n));
  const v = ctx.value(0);
  if (v && v.shape.length === 1 && parts.every((p) => typeof p === 'number')) {
    let off = 0;
    parts.forEach((p, i) => {
      const len = p as number;
      ctx.setValue(i, known([len], v.data.slice(off, off + len)));
      off += len;
    });
  }
  return parts.map((p) => tensorOf(elem, s.map((x, i) => (i === axis ? p : x))));
};

function padsOf(ctx: OpContext): readonly Dim[] | undefined {
  if (ctx.opset < 11) return ctx.attrInts(ctx.opset < 2 ? 'paddings' : 'pads') ?? ctx.attrInts('pads');
  return ctx.value(1)?.data;
}

const pad: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const pads = padsOf(ctx);
  if (!pads) return [tensorOf(elem, s.map(() => null))];
  let axes = s.map((_, i) => i);
  if (ctx.opset >= 18 && ctx.hasInput(3)) {
    const a = numbersOf(ctx.value(3));
    if (!a) return [tensorOf(elem, s.map(() => null))];
    axes = a.map((x) => normAxis(x, s.length));
  }
  if (pads.length !== 2 * axes.length) throw new ShapeError(`pads has ${pads.length} entries for ${axes.length} axes`);
  const shape = [...s];
  axes.forEach((axis, i) => {
    shape[axis] = dimAdd(dimAdd(s[axis]!, pads[i]!), pads[i + axes.length]!);
  });
  return [tensorOf(elem, shape)];
};

const centerCropPad: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const target = ctx.value(1)?.data;
  const axes = (ctx.attrInts('axes') ?? s.map((_, i) => i)).map((a) => normAxis(a, s.length));
  const shape = [...s];
  axes.forEach((axis, i) => {
    shape[axis] = target ? (target[i] ?? null) : null;
  });
  return [tensorOf(elem, shape)];
};

/** Rules of Concat, Split and Pad (default domain). */
export const concatSplitRules: Record<string, OpRule> = { Concat: concat, Split: split, Pad: pad, CenterCropPad: centerCropPad };

