import { ElemType } from '../../onnx/element-types.js';
import type { Dim } from '../dims.js';
import { known, numberOf, scalarOf, type Known } from '../known-values.js';
import { normAxis, type OpContext, type OpRule, type SubgraphResult } from '../rule.js';
import { tensorOf, typesEqual, unifyTypes, type ValueType } from '../types.js';

// Control flow: If (the branch taken when the condition is known, else the merge of both),
// Loop (carried state re-inferred until its type is stable; scan outputs get the trip count when
// the loop provably runs M times) and Scan (opset 8's batched form and opset 9's axes).

const TRUE: Known = known([], [1]);

const ifOp: OpRule = (ctx) => {
  const cond = numberOf(ctx.value(0));
  if (cond !== undefined) {
    const r = ctx.subgraph(cond !== 0 ? 'then_branch' : 'else_branch', []);
    r.values.forEach((v, i) => ctx.setValue(i, v));
    return r.types;
  }
  const a = ctx.subgraph('then_branch', []);
  const b = ctx.subgraph('else_branch', []);
  return a.types.map((t, i) => (typesEqual(t, b.types[i]) ? t : unifyTypes(t, b.types[i])));
};

function withLeading(t: ValueType | undefined, d: Dim, at = 0): ValueType | undefined {
  if (t?.kind !== 'tensor') return undefined;
  if (!t.shape) return tensorOf(t.elemType, null);
  const shape = [...t.shape];
  shape.splice(at, 0, d);
  return tensorOf(t.elemType, shape);
}

/** The type with every dim that mentions `symbol` made unknown. */
function forget(t: ValueType | undefined, symbol: string | undefined): ValueType | undefined {
  if (!symbol || t?.kind !== 'tensor' || !t.shape) return t;
  const escaped = symbol.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mention = new RegExp(`(^|[^A-Za-z0-9_.])${escaped}($|[^A-Za-z0-9_.])`);
  return t.shape.some((d) => typeof d === 'string' && mention.test(d)) ? tensorOf(t.elemType, t.shape.map((d) => (typeof d === 'string' && mention.test(d) ? null : d))) : t;
}

/** A carried value's type before and after an iteration; where the kinds differ the body's wins (as in ONNX). */
function merged(before: ValueType | undefined, after: ValueType | undefined): ValueType | undefined {
  return before && after && before.kind !== after.kind ? after : unifyTypes(before, after);
}

/** Infers a body until the carried types it is given and the ones it gives back agree (3 rounds at most). */
function stableBody(
  ctx: OpContext,
  attr: string,
  fixed: readonly (ValueType | undefined)[],
  carried: (ValueType | undefined)[],
  fixedValues: readonly (Known | undefined)[],
  outOffset: number,
): SubgraphResult {
  let r = ctx.subgraph(attr, [...fixed, ...carried], fixedValues);
  for (let round = 0; round < 3; round++) {
    let changed = false;
    carried = carried.map((t, i) => {
      const out = r.types[outOffset + i];
      if (typesEqual(t, out)) return t;
      const m = merged(t, out);
      if (!typesEqual(m, t)) changed = true;
      return m;
    });
    if (!changed) break;
    r = ctx.subgraph(attr, [...fixed, ...carried], fixedValues);
  }
  const finals = carried.map((t, i) => (typesEqual(t, r.types[outOffset + i]) ? t : merged(t, r.types[outOffset + i])));
  return { types: [...r.types.slice(0, outOffset), ...finals, ...r.types.slice(outOffset + carried.length)], values: r.values };
}

const ITER_TYPE = tensorOf(ElemType.INT64, []);
const COND_TYPE = tensorOf(ElemType.BOOL, []);
/** A loop is unrolled when it runs a known number of times at most this... */
const MAX_UNROLL = 64;
/** ...and its body times that number stays under this many nodes. */
const MAX_UNROLLED_NODES = 20_000;

/**
 * Loop outputs by inferring the body once per iteration (a known, small trip count): exact where
 * the state changes shape from one iteration to the next (a sequence growing item by item).
 * Undefined when the loop's length cannot be followed.
 */
function unrolled(ctx: OpContext, n: number, trips: number): (ValueType | undefined)[] | undefined {
  const body = ctx.node.subgraphs.find((s) => s.attribute === 'body')?.graph;
  if (!body || trips < 1 || trips > MAX_UNROLL || trips * body.nodeCount > MAX_UNROLLED_NODES) return undefined;
  let types = Array.from({ length: n }, (_, i) => ctx.type(2 + i));
  let values = Array.from({ length: n }, (_, i) => ctx.value(2 + i) ?? ctx.strings(2 + i));
  let scans: (ValueType | undefined)[] | undefined;
  let done = 0;
  while (done < trips) {
    const r = ctx.subgraph('body', [ITER_TYPE, COND_TYPE, ...types], [known([], [done]), TRUE, ...values]);
    types = r.types.slice(1, 1 + n);
    values = r.values.slice(1, 1 + n);
    const now = r.types.slice(1 + n);
    scans = scans ? scans.map((t, i) => (typesEqual(t, now[i]) ? t : unifyTypes(t, now[i]))) : now;
    done++;
    const cond = numberOf(r.values[0]);
    if (cond === undefined) return undefined;
    if (cond === 0) break;
  }
  values.forEach((v, i) => ctx.setValue(i, v));
  return [...types, ...(scans ?? []).map((t) => withLeading(t, done))];
}

const loop: OpRule = (ctx) => {
  const n = Math.max(ctx.inputCount - 2, 0);
  const carried = Array.from({ length: n }, (_, i) => ctx.type(2 + i));
  const condInit = ctx.hasInput(1) ? numberOf(ctx.value(1)) : 1;
  const startsTrue = condInit !== undefined && condInit !== 0;
  const m = ctx.hasInput(0) ? numberOf(ctx.value(0)) : undefined;
  const exact = startsTrue && m !== undefined ? unrolled(ctx, n, m) : undefined;
  // The iteration number is a symbol named after the body's input, so that shapes computed from
  // it inside the body stay exact (Slice(x, i, i+1) has length 1); it must not leak out.
  const iterName = ctx.subgraphInputNames('body')[0] || undefined;
  const iter = iterName ? known([], [iterName]) : undefined;
  // Assume the condition stays true inside the body; kept only if the body then gives back true.
  let r = stableBody(ctx, 'body', [ITER_TYPE, COND_TYPE], carried, [iter, startsTrue ? TRUE : undefined], 1);
  const always = startsTrue && (numberOf(r.values[0]) ?? 0) !== 0;
  if (startsTrue && !always) r = stableBody(ctx, 'body', [ITER_TYPE, COND_TYPE], carried, [iter], 1);
  // Inferred after unrolling, so the body keeps the types that hold for every iteration.
  if (exact) return exact;
  const trip = ctx.hasInput(0) && always ? (scalarOf(ctx.value(0)) ?? null) : null;
  const finals = r.types.slice(1, 1 + n).map((t) => forget(t, iterName));
  const scans = r.types.slice(1 + n).map((t) => withLeading(forget(t, iterName), trip));
  return [...finals, ...scans];
};

function scan8(ctx: OpContext): (ValueType | undefined)[] {
  const m = ctx.attrInt('num_scan_inputs') ?? 0;
  const n = ctx.inputCount - 1 - m;
  const states = Array.from({ length: n }, (_, i) => ctx.tensor(1 + i));
  const scanIn = Array.from({ length: m }, (_, i) => ctx.tensor(1 + n + i));
  const batch = states[0]?.shape?.[0] ?? scanIn[0]?.shape?.[0] ?? null;
  const seq = scanIn[0]?.shape?.[1] ?? null;
  // Opset 8 scans a batch: the body sees states without the batch dim, slices without batch and time.
  const drop = (t: ValueType | undefined, k: number) =>
    t?.kind === 'tensor' ? tensorOf(t.elemType, t.shape ? t.shape.slice(k) : null) : undefined;
  const r = ctx.subgraph('body', [...states.map((t) => drop(t, 1)), ...scanIn.map((t) => drop(t, 2))]);
  const finals = r.types.slice(0, n).map((t) => withLeading(t, batch));
  const scans = r.types.slice(n).map((t) => withLeading(withLeading(t, seq), batch));
  return [...finals, ...scans];
}

function scan9(ctx: OpContext): (ValueType | undefined)[] {
  const m = ctx.attrInt('num_scan_inputs') ?? 0;
  const n = ctx.inputCount - m;
  const states = Array.from({ length: n }, (_, i) => ctx.type(i));
  const inAxes = ctx.attrInts('scan_input_axes') ?? new Array<number>(m).fill(0);
  let seq: Dim = null;
  const slices = Array.from({ length: m }, (_, i) => {
    const t = ctx.tensor(n + i);
    if (!t?.shape) return t ? tensorOf(t.elemType, null) : undefined;
    const axis = normAxis(inAxes[i] ?? 0, t.shape.length);
    if (i === 0) seq = t.shape[axis]!;
    return tensorOf(t.elemType, t.shape.filter((_, k) => k !== axis));
  });
  const r = ctx.subgraph('body', [...states, ...slices]);
  const outAxes = ctx.attrInts('scan_output_axes') ?? [];
  const finals = states.map((t, i) => (typesEqual(t, r.types[i]) ? t : unifyTypes(t, r.types[i])));
  const scans = r.types.slice(n).map((t, i) => {
    if (t?.kind !== 'tensor' || !t.shape) return withLeading(t, seq);
    return withLeading(t, seq, normAxis(outAxes[i] ?? 0, t.shape.length + 1));
  });
  return [...finals, ...scans];
}

const scan: OpRule = (ctx) => (ctx.opset < 9 ? scan8(ctx) : scan9(ctx));

/** Rules of the control-flow operators (default domain). */
export const controlFlowRules: Record<string, OpRule> = { If: ifOp, Loop: loop, Scan: scan };
