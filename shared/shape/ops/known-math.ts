import { isFloatType } from '../../onnx/element-types.js';
import { ElemType } from '../../onnx/element-types.js';
import { dimAdd, dimDivExact, dimEquals, dimFloorDiv, dimMul, dimSub, type Dim } from '../dims.js';
import { known, MAX_KNOWN_ELEMENTS, type KnownValue } from '../known-values.js';

// Arithmetic on known values (partial data propagation): elementwise maps with numpy
// broadcasting, where each element may be a number, a symbolic dim or unknown.

/** f applied to every element. */
export function mapKnown(v: KnownValue, f: (d: Dim) => Dim): KnownValue {
  return known(v.shape, v.data.map(f));
}

function broadcastStatic(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[i - (rank - a.length)] ?? 1;
    const y = b[i - (rank - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function stridesFor(shape: readonly number[], outShape: readonly number[]): number[] {
  // Strides into `shape` for each output axis; 0 where the input broadcasts.
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = i + (rank - shape.length);
    strides[axis] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  return strides;
}

/** f applied elementwise to broadcast inputs; undefined when shapes do not broadcast or the result is large. */
export function zipKnown(inputs: readonly KnownValue[], f: (xs: Dim[]) => Dim): KnownValue | undefined {
  let shape: number[] = [];
  for (const v of inputs) {
    const s = broadcastStatic(shape, v.shape);
    if (!s) return undefined;
    shape = s;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_KNOWN_ELEMENTS) return undefined;
  const strides = inputs.map((v) => stridesFor(v.shape, shape));
  const data: Dim[] = new Array<Dim>(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    const xs = inputs.map((v, j) => {
      let off = 0;
      for (let a = 0; a < idx.length; a++) off += idx[a]! * strides[j]![a]!;
      return v.data[off]!;
    });
    data[k] = f(xs);
    for (let a = idx.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return known(shape, data);
}

function num(f: (x: number, y: number) => number): (x: Dim, y: Dim) => Dim {
  return (x, y) => (typeof x === 'number' && typeof y === 'number' ? f(x, y) : null);
}

function intDiv(x: Dim, y: Dim): Dim {
  if (typeof x === 'number' && typeof y === 'number') return y === 0 ? null : Math.trunc(x / y);
  // Shape arithmetic divides sizes by positive constants: floor and truncation agree there.
  if (typeof y === 'number' && y > 0) return dimDivExact(x, y) ?? dimFloorDiv(x, y);
  return dimDivExact(x, y);
}

function compare(f: (x: number, y: number) => boolean, equal?: boolean): (x: Dim, y: Dim) => Dim {
  return (x, y) => {
    if (typeof x === 'number' && typeof y === 'number') return f(x, y) ? 1 : 0;
    if (equal !== undefined && dimEquals(x, y)) return equal ? 1 : 0;
    // A symbolic dim is a size, never negative: exporters compare shapes with -1 ("keep this dim").
    if (typeof x === 'string' && typeof y === 'number' && y < 0) return f(0, y) ? 1 : 0;
    if (typeof y === 'string' && typeof x === 'number' && x < 0) return f(x, 0) ? 1 : 0;
    return null;
  };
}

/** The scalar function of a binary op on known values, for the element type of its inputs. */
export function binaryFunction(op: string, elemType: number): ((x: Dim, y: Dim) => Dim) | undefined {
  const isInt = !isFloatType(elemType) && elemType !== ElemType.UNDEFINED;
  switch (op) {
    case 'Add':
    case 'Sum':
      return dimAdd;
    case 'Sub':
      return dimSub;
    case 'Mul':
      return dimMul;
    case 'Div':
      return isInt ? intDiv : num((x, y) => x / y);
    case 'Mod':
      return num((x, y) => (y === 0 ? NaN : x - y * Math.floor(x / y)));
    case 'Pow':
      return num((x, y) => (isInt ? Math.trunc(x ** y) : x ** y));
    case 'Max':
      return (x, y) => (typeof x === 'number' && typeof y === 'number' ? Math.max(x, y) : dimEquals(x, y) ? x : null);
    case 'Min':
      return (x, y) => (typeof x === 'number' && typeof y === 'number' ? Math.min(x, y) : dimEquals(x, y) ? x : null);
    case 'Equal':
      return compare((x, y) => x === y, true);
    case 'Less':
      return compare((x, y) => x < y, false);
    case 'Greater':
      return compare((x, y) => x > y, false);
    case 'LessOrEqual':
      return compare((x, y) => x <= y, true);
    case 'GreaterOrEqual':
      return compare((x, y) => x >= y, true);
    case 'And':
      return num((x, y) => (x && y ? 1 : 0));
    case 'Or':
      return num((x, y) => (x || y ? 1 : 0));
    case 'Xor':
      return num((x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0));
  }
  return undefined;
}

/** The scalar function of a unary op on known values. */
export function unaryFunction(op: string): ((x: Dim) => Dim) | undefined {
  const n = (f: (x: number) => number) => (x: Dim) => (typeof x === 'number' ? f(x) : null);
  switch (op) {
    case 'Identity':
      return (x) => x;
    case 'Neg':
      return (x) => dimSub(0, x);
    case 'Abs':
      return n(Math.abs);
    case 'Ceil':
      return n(Math.ceil);
    case 'Floor':
      return n(Math.floor);
    case 'Round':
      return n((x) => {
        const r = Math.round(x);
        return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      });
    case 'Relu':
      return n((x) => Math.max(x, 0));
    case 'Sign':
      return n(Math.sign);
    case 'Not':
      return n((x) => (x ? 0 : 1));
    case 'Sqrt':
      return n(Math.sqrt);
    case 'Reciprocal':
      return n((x) => 1 / x);
  }
  return undefined;
}

/** A value converted to an element type, as Cast does (truncation to integers, 0/1 for bool). */
export function castKnown(v: KnownValue, to: number): KnownValue {
  if (to === ElemType.BOOL) return mapKnown(v, (x) => (typeof x === 'number' ? (x !== 0 ? 1 : 0) : null));
  if (isFloatType(to)) return mapKnown(v, (x) => (typeof x === 'number' && to === ElemType.FLOAT ? Math.fround(x) : x));
  return mapKnown(v, (x) => (typeof x === 'number' ? (Number.isFinite(x) ? Math.trunc(x) : null) : x));
}

/**
 * The elements picked by an index list per axis (a cartesian selection, row-major), under `shape`
 * (by default one dim per axis, each the length of its list). Slice and Gather on known values.
 */
export function selectKnown(v: KnownValue, perAxis: readonly (readonly number[])[], shape?: readonly number[]): KnownValue | undefined {
  const outShape = perAxis.map((a) => a.length);
  const n = outShape.reduce((a, b) => a * b, 1);
  if (n > MAX_KNOWN_ELEMENTS || perAxis.length !== v.shape.length) return undefined;
  const strides = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const data: Dim[] = new Array<Dim>(n);
  const idx = new Array<number>(perAxis.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < idx.length; a++) off += perAxis[a]![idx[a]!]! * strides[a]!;
    data[k] = v.data[off]!;
    for (let a = idx.length - 1; a >= 0; a--) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
  }
  return known(shape ?? outShape, data);
}

/** A known value with its axes permuted. */
export function transposeKnown(v: KnownValue, perm: readonly number[]): KnownValue | undefined {
  const n = v.data.length;
  const rank = v.shape.length;
  if (perm.length !== rank) return undefined;
  const strides = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => v.shape[p]!);
  const data: Dim[] = new Array<Dim>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < rank; a++) off += idx[a]! * strides[perm[a]!]!;
    data[k] = v.data[off]!;
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
  }
  return known(outShape, data);
}
