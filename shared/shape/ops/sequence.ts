import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimCeilDiv, dimSub, type Dim } from '../dims.js';
import { known, numberOf, numbersOf } from '../known-values.js';
import { dtypeAttr, normAxis, ShapeError, type OpContext, type OpRule } from '../rule.js';
import { optionalOf, sequenceOf, tensorOf, typeFromProto, typesEqual, unifyTypes, type SequenceType, type TensorType, type ValueType } from '../types.js';

// Sequence and optional operators. A sequence's item types are tracked while its contents are
// known statically (SequenceConstruct, inserts and erases at known positions, SplitToSequence on a
// known size), so SequenceAt, SequenceLength and ConcatFromSequence stay exact.

/** The type covering every item (the element type of a sequence of exactly these items). */
function elemOf(items: readonly ValueType[], fallback: ValueType | undefined): ValueType | undefined {
  if (items.length === 0) return fallback;
  return items.reduce<ValueType | undefined>((a, b) => (a === undefined ? undefined : typesEqual(a, b) ? a : unifyTypes(a, b)), items[0]);
}

function seqOf(items: readonly ValueType[] | undefined, fallback: ValueType | undefined): SequenceType {
  return items ? sequenceOf(elemOf(items, fallback), items) : sequenceOf(fallback);
}

function seqInput(ctx: OpContext, i: number): SequenceType | undefined {
  const t = ctx.type(i);
  return t?.kind === 'sequence' ? t : undefined;
}

/** A position in [-n, n) (or [-n, n] for inserts) made non-negative; undefined when not known. */
function position(ctx: OpContext, i: number, n: number, inclusive: boolean): number | undefined {
  const p = numberOf(ctx.value(i));
  if (p === undefined) return undefined;
  const q = p < 0 ? p + n : p;
  if (q < 0 || q > n || (!inclusive && q === n)) throw new ShapeError(`position ${p} is out of range for ${n} items`);
  return q;
}

const sequenceEmpty: OpRule = (ctx) => [sequenceOf(tensorOf(dtypeAttr(ctx, 'dtype', ElemType.FLOAT), null), [])];

const sequenceConstruct: OpRule = (ctx) => {
  const items: ValueType[] = [];
  for (let i = 0; i < ctx.inputCount; i++) {
    const t = ctx.type(i);
    if (!t) return [sequenceOf(undefined)];
    items.push(t);
  }
  return [seqOf(items, undefined)];
};

const sequenceInsert: OpRule = (ctx) => {
  const s = seqInput(ctx, 0);
  const t = ctx.type(1);
  let items: ValueType[] | undefined;
  if (s?.items && t) {
    const at = ctx.hasInput(2) ? position(ctx, 2, s.items.length, true) : s.items.length;
    if (at !== undefined) items = [...s.items.slice(0, at), t, ...s.items.slice(at)];
  }
  const fallback = s?.items?.length === 0 ? t : s?.elem && t ? unifyTypes(s.elem, t) : undefined;
  return [seqOf(items, fallback)];
};

const sequenceErase: OpRule = (ctx) => {
  const s = seqInput(ctx, 0);
  let items: ValueType[] | undefined;
  if (s?.items && s.items.length > 0) {
    const at = ctx.hasInput(1) ? position(ctx, 1, s.items.length, false) : s.items.length - 1;
    if (at !== undefined) items = s.items.filter((_, k) => k !== at);
  }
  return [seqOf(items, s?.elem)];
};

const sequenceAt: OpRule = (ctx) => {
  const s = seqInput(ctx, 0);
  if (s?.items && s.items.length > 0) {
    const at = position(ctx, 1, s.items.length, false);
    if (at !== undefined) return [s.items[at]];
  }
  return [s?.elem];
};

const sequenceLength: OpRule = (ctx) => {
  const s = seqInput(ctx, 0);
  if (s?.items) ctx.setValue(0, known([], [s.items.length]));
  return [tensorOf(ElemType.INT64, [])];
};

function concatShapes(shapes: readonly (readonly Dim[])[], axis: number, newAxis: boolean): Dim[] {
  const first = shapes[0]!;
  if (newAxis) {
    const out = [...first];
    out.splice(axis, 0, shapes.length);
    return out;
  }
  return first.map((d, i) => (i === axis ? shapes.reduce<Dim>((sum, s) => dimAdd(sum, s[i] ?? null), 0) : d));
}

const concatFromSequence: OpRule = (ctx) => {
  const s = seqInput(ctx, 0);
  const newAxis = ctx.attrInt('new_axis') === 1;
  const axisAttr = ctx.attrInt('axis') ?? 0;
  const items = s?.items as TensorType[] | undefined;
  if (items && items.length > 0 && items.every((t) => t.kind === 'tensor' && t.shape)) {
    const shapes = items.map((t) => t.shape!);
    const axis = normAxis(axisAttr, shapes[0]!.length + (newAxis ? 1 : 0));
    return [tensorOf(items[0]!.elemType, concatShapes(shapes, axis, newAxis))];
  }
  const e = s?.elem;
  if (e?.kind !== 'tensor') return [undefined];
  if (!e.shape) return [tensorOf(e.elemType, null)];
  const axis = normAxis(axisAttr, e.shape.length + (newAxis ? 1 : 0));
  const shape = [...e.shape];
  if (newAxis) shape.splice(axis, 0, null);
  else shape[axis] = null;
  return [tensorOf(e.elemType, shape)];
};

const splitToSequence: OpRule = (ctx) => {
  const t = ctx.tensor(0);
  if (!t?.shape) return [sequenceOf(t ? tensorOf(t.elemType, null) : undefined)];
  const s = t.shape;
  const axis = normAxis(ctx.attrInt('axis') ?? 0, s.length);
  const keep = (ctx.attrInt('keepdims') ?? 1) !== 0;
  const d = s[axis]!;
  const withDim = (x: Dim | undefined) => tensorOf(t.elemType, x === undefined ? s.filter((_, i) => i !== axis) : s.map((y, i) => (i === axis ? x : y)));
  if (!ctx.hasInput(1)) {
    const one = withDim(keep ? 1 : undefined);
    return [typeof d === 'number' && d <= 4096 ? seqOf(new Array<ValueType>(d).fill(one), one) : sequenceOf(one)];
  }
  const split = ctx.value(1);
  const sizes = numbersOf(split);
  if (!split || !sizes) return [sequenceOf(withDim(null))];
  if (split.shape.length === 0) {
    const k = sizes[0]!;
    const count = dimCeilDiv(d, k);
    if (typeof count !== 'number' || typeof d !== 'number') return [sequenceOf(withDim(null))];
    const items = Array.from({ length: count }, (_, i) => withDim(i < count - 1 ? k : dimSub(d, k * (count - 1))));
    return [seqOf(items, undefined)];
  }
  return [seqOf(sizes.map((k) => withDim(k)), undefined)];
};

const sequenceMap: OpRule = (ctx) => {
  const inputs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.type(i));
  const seqs = inputs.map((t) => (t?.kind === 'sequence' ? t : undefined));
  const counts = seqs.filter((s) => s).map((s) => s!.items?.length);
  const n = counts[0];
  const outs = ctx.node.outputs.length;
  if (n !== undefined && n <= 64 && counts.every((c) => c === n)) {
    const per: ValueType[][] = Array.from({ length: outs }, () => []);
    for (let k = 0; k < n; k++) {
      const r = ctx.subgraph('body', inputs.map((t, i) => (seqs[i] ? seqs[i]!.items![k] : t)));
      r.types.forEach((t, j) => per[j]?.push(t ?? tensorOf(0, null)));
    }
    return per.map((items) => seqOf(items, undefined));
  }
  const r = ctx.subgraph('body', inputs.map((t, i) => (seqs[i] ? seqs[i]!.elem : t)));
  return r.types.map((t) => sequenceOf(t));
};

const optional: OpRule = (ctx) => {
  if (ctx.hasInput(0)) return [optionalOf(ctx.type(0))];
  return [optionalOf(typeFromProto(ctx.attrType('type')))];
};

const optionalHasElement: OpRule = () => [tensorOf(ElemType.BOOL, [])];

const optionalGetElement: OpRule = (ctx) => {
  const t = ctx.type(0);
  return [t?.kind === 'optional' ? t.elem : t];
};

/** Rules of the sequence and optional operators (default domain). */
export const sequenceRules: Record<string, OpRule> = {
  SequenceEmpty: sequenceEmpty,
  SequenceConstruct: sequenceConstruct,
  SequenceInsert: sequenceInsert,
  SequenceErase: sequenceErase,
  SequenceAt: sequenceAt,
  SequenceLength: sequenceLength,
  ConcatFromSequence: concatFromSequence,
  SplitToSequence: splitToSequence,
  SequenceMap: sequenceMap,
  Optional: optional,
  OptionalHasElement: optionalHasElement,
  OptionalGetElement: optionalGetElement,
};
