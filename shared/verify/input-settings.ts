// The inputs a verification runs on, as a user sets them: plain JSON, so the CLI parses it from
// flags and the app can remember it per model.

import { WorkbenchError } from '../errors.js';
import { ElemType, elemTypeName, isFloatType, isIntegerType } from '../onnx/element-types.js';
import type { GraphProto } from '../onnx/proto-types.js';
import { runtimeInputs } from './input-spec.js';

/** Where verification inputs come from; whatever is not given is generated. */
export interface VerifyInputSettings {
  /** A .npy/.pb file, a folder of them (one input set), or a folder of such folders (one set each). */
  inputsPath?: string;
  /** Sizes of symbolic dims by name, or of any non-fixed dim as `input[axis]`. */
  dims: Record<string, number>;
  /** One number per input: a scalar's value, or the value every element of a larger input takes. */
  values: Record<string, number>;
}

/** `NAME=NUMBER` (the last `=` splits, so a name may hold one), or a WorkbenchError naming the option. */
export function parseValueOption(item: string): [string, number] {
  const eq = item.lastIndexOf('=');
  const name = eq > 0 ? item.slice(0, eq) : '';
  const text = eq > 0 ? item.slice(eq + 1).trim() : '';
  const value = text === '' ? Number.NaN : Number(text);
  if (!name || !Number.isFinite(value)) throw new WorkbenchError('BAD_OPTION', `--value needs NAME=NUMBER, not "${item}"`);
  return [name, value];
}

// The range of integer types a double can hold every value of; wider ones are limited to safe integers.
const INT_RANGE: ReadonlyMap<number, [number, number]> = new Map([
  [ElemType.INT8, [-128, 127]],
  [ElemType.UINT8, [0, 255]],
  [ElemType.INT16, [-32768, 32767]],
  [ElemType.UINT16, [0, 65535]],
  [ElemType.INT32, [-(2 ** 31), 2 ** 31 - 1]],
  [ElemType.UINT32, [0, 2 ** 32 - 1]],
  [ElemType.UINT64, [0, Number.MAX_SAFE_INTEGER]],
  [ElemType.INT4, [-8, 7]],
  [ElemType.UINT4, [0, 15]],
  [ElemType.INT2, [-2, 1]],
  [ElemType.UINT2, [0, 3]],
]);

function typeMismatch(name: string, value: number, elemType: number, why: string): never {
  throw new WorkbenchError('BAD_OPTION', `--value ${name}=${value}: input '${name}' is ${elemTypeName(elemType)}, ${why}`);
}

/** Checks that `value` fits input `name` of element type `elemType` (whole numbers in range for integers, 0/1 for bool). */
export function checkInputValue(name: string, elemType: number, value: number): void {
  if (isFloatType(elemType)) return;
  if (elemType === ElemType.BOOL) {
    if (value !== 0 && value !== 1) typeMismatch(name, value, elemType, 'which takes 0 or 1');
    return;
  }
  if (!isIntegerType(elemType)) typeMismatch(name, value, elemType, 'which takes no number');
  if (!Number.isSafeInteger(value)) typeMismatch(name, value, elemType, 'which takes whole numbers');
  const [low, high] = INT_RANGE.get(elemType) ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  if (value < low || value > high) typeMismatch(name, value, elemType, `which holds ${low}..${high}`);
}

/** Checks every `values` entry against the graph's runtime inputs: the name exists and the number fits its type. */
export function checkInputValues(graph: GraphProto, values: Readonly<Record<string, number>>): void {
  const inputs = runtimeInputs(graph);
  for (const [name, value] of Object.entries(values)) {
    const vi = inputs.find((i) => i.name === name);
    if (!vi) throw new WorkbenchError('BAD_OPTION', `--value ${name}=${value}: the model has no input '${name}' (its inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`);
    const elemType = vi.type?.tensorType?.elemType;
    if (elemType === undefined) throw new WorkbenchError('BAD_OPTION', `--value ${name}=${value}: input '${name}' is not a tensor of known element type`);
    checkInputValue(name, elemType, value);
  }
}
