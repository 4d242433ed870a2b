// What inputs to generate for a verification run: each runtime input's type, a concrete shape
// (symbolic dims bound by the user, the rest defaulted and reported), and how to fill it.

import { WorkbenchError } from '../errors.js';
import { ElemType, elemTypeName, isFloatType, isIntegerType, type ElemTypeCode } from '../onnx/element-types.js';
import type { GraphProto, ValueInfoProto } from '../onnx/proto-types.js';
import { comparedValues } from './compared-values.js';

/** How generated values are chosen: seeded random values in a range, or all 0 / all 1. */
export type InputFill = 'random' | 'zeros' | 'ones';

export const INPUT_FILLS: readonly InputFill[] = ['random', 'zeros', 'ones'];

/** A half-open range [low, high) of generated values. */
export interface ValueRange {
  low: number;
  high: number;
}

/** One input to generate; `range` is already resolved for the element type. */
export interface InputSpec {
  name: string;
  elemType: ElemTypeCode;
  shape: number[];
  fill: InputFill;
  range: ValueRange;
  /** The value of every element, when the user gave one (`--value`): it replaces the fill. */
  value?: number;
  /** Set when `value` was not given but read from the graph: the Equal node that compares the input with it. */
  valueFrom?: string;
}

export interface InputPlanOptions {
  /**
   * Values for symbolic dims by name (`batch: 4`), or for any non-fixed dim of one input as
   * `input[axis]` (`'x[0]': 4`), which also covers dims that have no name.
   */
  dims?: Readonly<Record<string, number>>;
  fill?: InputFill;
  /** Overrides the default range for every random input (integers: rounded up, clamped to the type). */
  range?: ValueRange;
  /** Inputs whose values the caller gives: they are not planned. */
  skip?: readonly string[];
  /** One number per input, which every element takes (checked against its type by the caller). */
  values?: Readonly<Record<string, number>>;
  /** Size of the dims nobody bound; DEFAULT_DIM when not given (verification retries with larger ones). */
  defaultDim?: number;
}

export interface InputPlan {
  inputs: InputSpec[];
  /** The value used for every symbolic or unknown dim (unknown ones keyed `input[axis]`). */
  boundDims: Record<string, number>;
  /** Keys of boundDims that nobody bound and so took the default size. */
  defaultedDims: string[];
}

/** Size given to a symbolic or unknown dim the user did not bind: the smallest that every model accepts most often. */
export const DEFAULT_DIM = 1;

/** Floats uniform in [-1, 1): the scale of normalized activations, and both signs exercise Relu-like ops. */
export const DEFAULT_FLOAT_RANGE: ValueRange = { low: -1, high: 1 };

/** Integers in [0, 10): valid as small indices, counts and class ids in most models. */
export const DEFAULT_INT_RANGE: ValueRange = { low: 0, high: 10 };

// Value ranges of integer types narrower than a double's exact integers.
const INT_LIMITS: ReadonlyMap<number, ValueRange> = new Map([
  [ElemType.INT8, { low: -128, high: 128 }],
  [ElemType.UINT8, { low: 0, high: 256 }],
  [ElemType.INT16, { low: -32768, high: 32768 }],
  [ElemType.UINT16, { low: 0, high: 65536 }],
  [ElemType.INT32, { low: -(2 ** 31), high: 2 ** 31 }],
  [ElemType.UINT32, { low: 0, high: 2 ** 32 }],
  [ElemType.UINT64, { low: 0, high: 2 ** 53 }],
  [ElemType.INT4, { low: -8, high: 8 }],
  [ElemType.UINT4, { low: 0, high: 16 }],
  [ElemType.INT2, { low: -2, high: 2 }],
  [ElemType.UINT2, { low: 0, high: 4 }],
]);

/** Graph inputs fed at run time: declared inputs that are not initializers. */
export function runtimeInputs(graph: GraphProto): ValueInfoProto[] {
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).filter((i) => !inits.has(i.name));
}

function badInput(name: string, message: string): never {
  throw new WorkbenchError('VERIFY_INPUT', `input '${name}': ${message}`);
}

/** Whether values of this element type can be generated (real numbers, bool and string). */
export function canGenerate(elemType: ElemTypeCode): boolean {
  return isFloatType(elemType) || isIntegerType(elemType) || elemType === ElemType.BOOL || elemType === ElemType.STRING;
}

function resolveRange(name: string, elemType: ElemTypeCode, range: ValueRange | undefined): ValueRange {
  if (range && !(Number.isFinite(range.low) && Number.isFinite(range.high) && range.low < range.high)) {
    throw new WorkbenchError('BAD_OPTION', `range [${range.low}, ${range.high}): needs finite low < high`);
  }
  if (isFloatType(elemType)) return range ?? DEFAULT_FLOAT_RANGE;
  if (elemType === ElemType.BOOL) return { low: 0, high: 2 };
  const r = range ?? DEFAULT_INT_RANGE;
  const limits = INT_LIMITS.get(elemType) ?? { low: -(2 ** 53), high: 2 ** 53 };
  const low = Math.max(Math.ceil(r.low), limits.low);
  const high = Math.min(Math.ceil(r.high), limits.high);
  if (low >= high) badInput(name, `no ${elemTypeName(elemType)} value lies in [${r.low}, ${r.high})`);
  return { low, high };
}

function checkDimValues(dims: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new WorkbenchError('BAD_OPTION', `dim '${k}': ${v} is not a valid size`);
  }
}

/**
 * Describes the inputs to generate for `graph`: symbolic dims take the user's `dims`, other
 * non-fixed dims `defaultDim` (reported in defaultedDims). A dims entry no input uses is an error.
 */
export function planInputs(graph: GraphProto, options: InputPlanOptions = {}): InputPlan {
  const dims = options.dims ?? {};
  checkDimValues(dims);
  const fill = options.fill ?? 'random';
  if (!INPUT_FILLS.includes(fill)) throw new WorkbenchError('BAD_OPTION', `fill '${String(fill)}': expected one of ${INPUT_FILLS.join(', ')}`);
  const skip = new Set(options.skip ?? []);
  const used = new Set<string>();
  const boundDims: Record<string, number> = {};
  const defaulted = new Set<string>();
  const defaultDim = options.defaultDim ?? DEFAULT_DIM;
  if (!Number.isSafeInteger(defaultDim) || defaultDim < 1) throw new WorkbenchError('BAD_OPTION', `default dim ${defaultDim} is not a positive size`);
  const values = options.values ?? {};
  const compared = fill === 'random' ? comparedValues(graph) : new Map<string, never>();
  const bind = (key: string, value: number | undefined): number => {
    const v = value ?? defaultDim;
    boundDims[key] = v;
    if (value === undefined) defaulted.add(key);
    return v;
  };

  const inputs: InputSpec[] = [];
  for (const vi of runtimeInputs(graph)) {
    const name = vi.name ?? '';
    const t = vi.type?.tensorType;
    // Given inputs still mark the dims they name as used, so binding them is no error.
    if (skip.has(name)) {
      (t?.shape?.dim ?? []).forEach((d, axis) => {
        used.add(`${name}[${axis}]`);
        if (d.dimParam) used.add(d.dimParam);
      });
      continue;
    }
    if (!t) badInput(name, 'not a tensor: give its value explicitly');
    const elemType = t.elemType ?? 0;
    if (elemType === ElemType.UNDEFINED) badInput(name, 'no declared element type: give its value explicitly');
    if (!canGenerate(elemType)) badInput(name, `cannot generate ${elemTypeName(elemType)} values: give its value explicitly`);
    if (!t.shape) badInput(name, 'no declared shape (unknown rank): give its value explicitly');
    const shape = (t.shape.dim ?? []).map((d, axis) => {
      if (d.dimValue !== undefined && Number(d.dimValue) >= 0) return Number(d.dimValue);
      const positional = `${name}[${axis}]`;
      if (Object.hasOwn(dims, positional)) {
        used.add(positional);
        return bind(positional, dims[positional]);
      }
      if (d.dimParam) {
        used.add(d.dimParam);
        // Two inputs sharing a symbol get the same size, as the model promises.
        if (Object.hasOwn(boundDims, d.dimParam)) return boundDims[d.dimParam]!;
        return bind(d.dimParam, Object.hasOwn(dims, d.dimParam) ? dims[d.dimParam] : undefined);
      }
      return bind(positional, undefined);
    });
    const spec: InputSpec = { name, elemType, shape, fill, range: resolveRange(name, elemType, options.range) };
    const fromGraph = compared.get(name)?.[0];
    if (Object.hasOwn(values, name)) spec.value = values[name]!;
    else if (fromGraph) Object.assign(spec, { value: fromGraph.value, valueFrom: fromGraph.node });
    inputs.push(spec);
  }
  const unused = Object.keys(dims).filter((k) => !used.has(k));
  if (unused.length) {
    const known = [...used].filter((k) => !k.endsWith(']'));
    throw new WorkbenchError(
      'BAD_OPTION',
      `dim '${unused[0]}' is not a symbolic dim of any input (${known.length ? `symbolic dims: ${known.join(', ')}` : 'the inputs have none'})`,
    );
  }
  return { inputs, boundDims, defaultedDims: [...defaulted] };
}
