// Values for planned inputs, as TensorProtos (raw_data, or string_data for strings): the same
// form a model's own tensors take, so one conversion feeds them to any runtime.

import { WorkbenchError } from '../errors.js';
import { ElemType, elemTypeName, isFloatType } from '../onnx/element-types.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { encodeRawValues } from '../onnx/tensor-values.js';
import type { InputSpec } from './input-spec.js';
import { deriveSeed, mulberry32 } from './prng.js';

/** Inputs larger than this are refused: a verification input that big is almost surely a mis-bound dim. */
export const MAX_GENERATED_ELEMENTS = 2 ** 28;

const utf8 = new TextEncoder();

function elementCountOf(spec: InputSpec): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n) || n > MAX_GENERATED_ELEMENTS) {
    throw new WorkbenchError('VERIFY_INPUT', `input '${spec.name}': shape [${spec.shape.join(',')}] is too large to generate (${n} elements)`);
  }
  return n;
}

// Numbers to encode: floats in [low, high), integers in [low, high) (the range is already integral for them).
function values(spec: InputSpec, n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  if (spec.value !== undefined) return out.fill(spec.value);
  if (spec.fill !== 'random') return out.fill(spec.fill === 'ones' ? 1 : 0);
  const rng = mulberry32(seed);
  const { low, high } = spec.range;
  const span = high - low;
  if (isFloatType(spec.elemType)) for (let i = 0; i < n; i++) out[i] = low + span * rng();
  else for (let i = 0; i < n; i++) out[i] = Math.min(low + Math.floor(span * rng()), high - 1);
  return out;
}

/** A TensorProto named after `spec`, of its type and shape, filled as it says; random values come from `seed` alone. */
export function inputTensor(spec: InputSpec, seed: number): TensorProto {
  const n = elementCountOf(spec);
  const t: TensorProto = spec.shape.length ? { dims: [...spec.shape] } : {};
  t.dataType = spec.elemType;
  t.name = spec.name;
  const v = values(spec, n, seed);
  if (spec.elemType === ElemType.STRING) {
    t.stringData = Array.from(v, (x) => utf8.encode(String(x)));
    return t;
  }
  try {
    // Float32 first so float16/bfloat16 round from the same values a float input would get.
    t.rawData = encodeRawValues(spec.elemType, isFloatType(spec.elemType) && spec.elemType !== ElemType.DOUBLE ? Float32Array.from(v) : v);
  } catch (e) {
    if (e instanceof WorkbenchError) throw new WorkbenchError('VERIFY_INPUT', `input '${spec.name}' (${elemTypeName(spec.elemType)}): ${e.message}`);
    throw e;
  }
  return t;
}

/** One tensor per spec; each input's random stream derives from `seed` and its name, not its position. */
export function generateInputs(specs: readonly InputSpec[], seed: number): TensorProto[] {
  return specs.map((s) => inputTensor(s, deriveSeed(seed, s.name)));
}
