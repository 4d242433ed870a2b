import { elemTypeName } from '../onnx/element-types.js';
import type { TensorShapeProto, TypeProto } from '../onnx/proto-types.js';
import { isIdentifier, quote } from './literals.js';

// Value types as the text writes them: `float[N,3,224,224]`, `float` (a scalar), `float[]` (rank
// unknown), `seq(float[2])`, `map(int64, float)`, `optional(...)`, `sparse_tensor(float[2,3])`.

/** Element type names the text uses (`float`, `int64`, `float16`, ...): codes 1 and up. */
export const ELEM_TYPE_WORDS: ReadonlySet<string> = new Set(Array.from({ length: 26 }, (_, i) => elemTypeName(i + 1)));

function dimsText(shape: TensorShapeProto | undefined): string {
  if (!shape) return '[]';
  const dims = shape.dim ?? [];
  if (dims.length === 0) return '';
  let s = '[';
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (i) s += ',';
    if (d.dimValue !== undefined) s += String(d.dimValue);
    else if (d.dimParam !== undefined && d.dimParam !== '') s += isIdentifier(d.dimParam) ? d.dimParam : quote(d.dimParam);
    else s += '?';
  }
  return s + ']';
}

/** The type as text; undefined when the TypeProto holds no type this syntax can write. */
export function typeText(t: TypeProto): string | undefined {
  if (t.tensorType) return elemTypeName(t.tensorType.elemType ?? 0) + dimsText(t.tensorType.shape);
  if (t.sparseTensorType) return `sparse_tensor(${elemTypeName(t.sparseTensorType.elemType ?? 0)}${dimsText(t.sparseTensorType.shape)})`;
  if (t.sequenceType) return wrap('seq', t.sequenceType.elemType);
  if (t.optionalType) return wrap('optional', t.optionalType.elemType);
  if (t.mapType) {
    const v = t.mapType.valueType ? typeText(t.mapType.valueType) : undefined;
    return v === undefined ? undefined : `map(${elemTypeName(t.mapType.keyType ?? 0)}, ${v})`;
  }
  return undefined;
}

function wrap(kind: string, inner: TypeProto | undefined): string | undefined {
  const s = inner ? typeText(inner) : undefined;
  return s === undefined ? undefined : `${kind}(${s})`;
}
