import { ElemType, type ElemTypeCode } from '../../onnx/element-types.js';
import { float16ToFloat32, bfloat16ToFloat32 } from '../../onnx/small-floats.js';

// The two 16-bit float formats a float32 model can be converted to, and what each can hold.

/** Which 16-bit format a conversion targets. */
export type HalfKind = 'fp16' | 'bf16';

/** A 16-bit float format as the conversion sees it. */
export interface HalfFormat {
  readonly kind: HalfKind;
  readonly elemType: ElemTypeCode;
  /** Largest finite magnitude; float32 weights beyond it are clamped to it (else they would turn into Inf). */
  readonly max: number;
  /** Smallest positive (subnormal) magnitude: nonzero weights below half of it become 0. */
  readonly minPositive: number;
  /** Suffix for the names of converted copies of values. */
  readonly suffix: string;
}

export const HALF_FORMATS: Readonly<Record<HalfKind, HalfFormat>> = {
  // 0x7bff and 0x0001 are float16's largest finite and smallest subnormal values.
  fp16: { kind: 'fp16', elemType: ElemType.FLOAT16, max: float16ToFloat32(0x7bff), minPositive: float16ToFloat32(0x0001), suffix: '_fp16' },
  // 0x7f7f and 0x0001 likewise for bfloat16 (float32's exponent range, 8 significant bits).
  bf16: { kind: 'bf16', elemType: ElemType.BFLOAT16, max: bfloat16ToFloat32(0x7f7f), minPositive: bfloat16ToFloat32(0x0001), suffix: '_bf16' },
};
