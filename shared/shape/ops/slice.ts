import { dimAdd, dimCeilDiv, dimSub, type Dim } from '../dims.js';
import { numbersOf } from '../known-values.js';
import { normAxis, ShapeError, type OpContext, type OpRule } from '../rule.js';
import { tensorOf } from '../types.js';
import { selectKnown } from './known-math.js';

// Slice: exact on known sizes (clamping as the operator does), and on symbolic dims for the
// forms exporters write (x[a:], x[:-k], x[-k:], x[::-1], x[a:b] with b from a Shape): there a
// position is taken to lie within the dim, since clamping a symbol cannot be expressed here.

/** Positions at or beyond this mean "to the end" (exporters write INT64_MAX or INT32_MAX). */
const BIG = 2 ** 31 - 1;

function clampedLength(d: number, start: number, end: number, step: number): number {
  if (step > 0) {
    const s = Math.min(Math.max(start < 0 ? start + d : start, 0), d);
    const e = Math.min(Math.max(end < 0 ? end + d : end, 0), d);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = Math.min(Math.max(start < 0 ? start + d : start, -1), d - 1);
  const e = Math.min(Math.max(end < 0 ? end + d : end, -1), d - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

function symbolicLength(d: Dim, start: Dim, end: Dim, step: number): Dim {
  if (d === null || start === null || end === null) return null;
  const pos = (p: Dim): Dim => (typeof p === 'number' ? (p >= BIG ? d : p < 0 ? dimAdd(d, p) : p) : p);
  if (step > 0) {
    const len = dimSub(pos(end), pos(start));
    return step === 1 ? len : dimCeilDiv(len, step);
  }
  // Only the whole reversed dim: start at or past the end, end before the beginning.
  if (typeof start === 'number' && typeof end === 'number' && (start >= BIG || start === -1) && end <= -BIG) {
    return step === -1 ? d : dimCeilDiv(d, -step);
  }
  return null;
}

/** One sliced dim; numbers clamp exactly, symbols assume in-range positions. */
export function slicedDim(d: Dim, start: Dim, end: Dim, step: number): Dim {
  if (step === 0) throw new ShapeError('slice step cannot be 0');
  if (typeof d === 'number' && typeof start === 'number' && typeof end === 'number') return clampedLength(d, start, end, step);
  if (typeof d === 'number' && (start === null || end === null)) return null;
  return symbolicLength(d, start, end, step);
}

interface SliceArgs {
  starts: readonly Dim[] | undefined;
  ends: readonly Dim[] | undefined;
  axes: readonly number[] | undefined;
  steps: readonly number[] | undefined;
  /** How many axes are sliced when the positions themselves are unknown. */
  count: number | undefined;
  axesUnknown: boolean;
}

function sliceArgs(ctx: OpContext): SliceArgs {
  if (ctx.opset < 10) {
    const starts = ctx.attrInts('starts');
    return { starts, ends: ctx.attrInts('ends'), axes: ctx.attrInts('axes'), steps: undefined, count: starts?.length, axesUnknown: false };
  }
  const axesValue = ctx.hasInput(3) ? numbersOf(ctx.value(3)) : undefined;
  const stepsValue = ctx.hasInput(4) ? numbersOf(ctx.value(4)) : undefined;
  const len = ctx.shape(1)?.[0];
  return {
    starts: ctx.value(1)?.data,
    ends: ctx.value(2)?.data,
    axes: axesValue,
    steps: stepsValue,
    count: typeof len === 'number' ? len : undefined,
    axesUnknown: ctx.hasInput(3) && !axesValue,
  };
}

const slice: OpRule = (ctx) => {
  const s = ctx.shape(0);
  const elem = ctx.elem(0);
  if (!s) return [tensorOf(elem, null)];
  const a = sliceArgs(ctx);
  if (a.axesUnknown || (ctx.opset >= 10 && ctx.hasInput(4) && !a.steps)) {
    // Which axes change is unknown; the rank is not.
    return [tensorOf(elem, s.map(() => null))];
  }
  const n = a.starts?.length ?? a.count;
  if (n === undefined) return [tensorOf(elem, s.map(() => null))];
  const axes = (a.axes ?? [...Array(n).keys()]).map((x) => normAxis(x, s.length));
  const shape: Dim[] = [...s];
  axes.forEach((axis, i) => {
    const step = a.steps?.[i] ?? 1;
    shape[axis] = a.starts && a.ends ? slicedDim(s[axis]!, a.starts[i] ?? null, a.ends[i] ?? null, step) : null;
  });
  const v = ctx.value(0);
  if (v && a.starts && a.ends && v.shape.length === s.length) {
    // Slicing known data (shape vectors, pads tables): the indices each axis keeps.
    const perAxis = v.shape.map((d) => [...Array(d).keys()]);
    let ok = true;
    axes.forEach((axis, i) => {
      const [st, en, step] = [a.starts![i], a.ends![i], a.steps?.[i] ?? 1];
      const d = v.shape[axis]!;
      if (typeof st !== 'number' || typeof en !== 'number') ok = false;
      else {
        const first = step > 0 ? Math.min(Math.max(st < 0 ? st + d : st, 0), d) : Math.min(Math.max(st < 0 ? st + d : st, -1), d - 1);
        perAxis[axis] = Array.from({ length: clampedLength(d, st, en, step) }, (_, k) => first + k * step);
      }
    });
    if (ok) ctx.setValue(0, selectKnown(v, perAxis));
  }
  return [tensorOf(elem, shape)];
};

/** Rules of Slice (default domain). */
export const sliceRules: Record<string, OpRule> = { Slice: slice };
