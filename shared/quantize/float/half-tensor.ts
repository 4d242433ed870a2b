import { ElemType } from '../../onnx/element-types.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import { encodeRawValues } from '../../onnx/tensor-values.js';
import type { HalfFormat } from './half-format.js';

/** What converting one tensor did to its values. */
export interface HalfTensorReport {
  /** Finite values beyond the format's range, clamped to ±max. */
  clamped: number;
  /** Nonzero values too small for the format, now 0. */
  flushed: number;
}

/**
 * A float32 tensor's values as a tensor of the half format (same name and dims, raw data),
 * finite values out of range clamped to ±max and counted; Inf and NaN stay what they are.
 */
export function toHalfTensor(t: TensorProto, values: Float32Array, format: HalfFormat): { tensor: TensorProto; report: HalfTensorReport } {
  const out = new Float32Array(values.length);
  let clamped = 0;
  let flushed = 0;
  const halfMin = format.minPositive / 2;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const a = Math.abs(v);
    if (a > format.max && a !== Infinity) {
      out[i] = v > 0 ? format.max : -format.max;
      clamped++;
    } else {
      // Exactly half the smallest subnormal rounds to even (0) too.
      if (a !== 0 && a <= halfMin) flushed++;
      out[i] = v;
    }
  }
  // Everything but the data and its location is kept (doc string, metadata).
  const { floatData: _f, rawData: _r, dataLocation: _l, externalData: _e, int32Data: _i, ...rest } = t;
  const tensor: TensorProto = { ...rest, dataType: format.elemType, rawData: encodeRawValues(format.elemType, out) };
  return { tensor, report: { clamped, flushed } };
}

/** Whether a tensor holds float32 values this conversion rewrites. */
export function isFloat32Tensor(t: TensorProto | undefined): boolean {
  return (t?.dataType ?? 0) === ElemType.FLOAT;
}
