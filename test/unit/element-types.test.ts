import { describe, it, expect } from 'vitest';
import {
  ElemType,
  bitsPerElement,
  elemTypeFromName,
  elemTypeName,
  isComplexType,
  isFloatType,
  isIntegerType,
  rawByteLength,
  typedDataField,
} from '../../shared/onnx/element-types.js';

// The onnx.proto TensorProto.DataType enum, written out independently of the table under test.
const ONNX_ENUM: Array<[string, number]> = [
  ['undefined', 0], ['float', 1], ['uint8', 2], ['int8', 3], ['uint16', 4], ['int16', 5], ['int32', 6],
  ['int64', 7], ['string', 8], ['bool', 9], ['float16', 10], ['double', 11], ['uint32', 12], ['uint64', 13],
  ['complex64', 14], ['complex128', 15], ['bfloat16', 16], ['float8e4m3fn', 17], ['float8e4m3fnuz', 18],
  ['float8e5m2', 19], ['float8e5m2fnuz', 20], ['uint4', 21], ['int4', 22], ['float4e2m1', 23],
  ['float8e8m0', 24], ['uint2', 25], ['int2', 26],
];

describe('element type table', () => {
  it('has the onnx.proto codes under upper-case keys', () => {
    for (const [name, code] of ONNX_ENUM) {
      expect((ElemType as Record<string, number>)[name.toUpperCase()]).toBe(code);
    }
    expect(Object.keys(ElemType)).toHaveLength(ONNX_ENUM.length);
  });

  it('names every code and maps names back', () => {
    for (const [name, code] of ONNX_ENUM) {
      expect(elemTypeName(code)).toBe(name);
      expect(elemTypeFromName(name)).toBe(code);
      expect(elemTypeFromName(name.toUpperCase())).toBe(code);
    }
  });

  it('handles unknown codes and names', () => {
    expect(elemTypeName(27)).toBe('elem_type_27');
    expect(elemTypeName(-1)).toBe('elem_type_-1');
    expect(elemTypeName(1.5)).toBe('elem_type_1.5');
    expect(elemTypeFromName('elem_type_27')).toBe(27);
    expect(elemTypeFromName('float32')).toBe(ElemType.FLOAT);
    expect(elemTypeFromName('float64')).toBe(ElemType.DOUBLE);
    expect(elemTypeFromName('nope')).toBeUndefined();
    expect(elemTypeFromName('toString')).toBeUndefined();
    expect(elemTypeFromName('constructor')).toBeUndefined();
  });
});

describe('sizes', () => {
  it('gives bits per element', () => {
    const expected: Record<number, number | undefined> = {
      0: undefined, 1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 8: undefined, 9: 8, 10: 16, 11: 64,
      12: 32, 13: 64, 14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8,
      25: 2, 26: 2,
    };
    for (const [code, bits] of Object.entries(expected)) expect(bitsPerElement(Number(code))).toBe(bits);
    expect(bitsPerElement(99)).toBeUndefined();
  });

  it('rounds packed sub-byte types up to whole bytes', () => {
    expect(rawByteLength(ElemType.FLOAT, 3)).toBe(12);
    expect(rawByteLength(ElemType.COMPLEX128, 2)).toBe(32);
    expect(rawByteLength(ElemType.BOOL, 5)).toBe(5);
    expect(rawByteLength(ElemType.INT4, 5)).toBe(3);
    expect(rawByteLength(ElemType.UINT4, 4)).toBe(2);
    expect(rawByteLength(ElemType.FLOAT4E2M1, 1)).toBe(1);
    expect(rawByteLength(ElemType.INT2, 5)).toBe(2);
    expect(rawByteLength(ElemType.UINT2, 8)).toBe(2);
    expect(rawByteLength(ElemType.INT4, 0)).toBe(0);
    expect(rawByteLength(ElemType.STRING, 3)).toBeUndefined();
    // A 3 GB float tensor: no overflow or rounding.
    expect(rawByteLength(ElemType.FLOAT, 750_000_000)).toBe(3_000_000_000);
  });
});

describe('classes of types', () => {
  it('counts the real float types as floats', () => {
    const floats = [1, 10, 11, 16, 17, 18, 19, 20, 23, 24];
    for (let c = 0; c <= 27; c++) expect(isFloatType(c)).toBe(floats.includes(c));
  });

  it('counts signed and unsigned integers, not bool', () => {
    const ints = [2, 3, 4, 5, 6, 7, 12, 13, 21, 22, 25, 26];
    for (let c = 0; c <= 27; c++) expect(isIntegerType(c)).toBe(ints.includes(c));
    expect(isComplexType(ElemType.COMPLEX64)).toBe(true);
    expect(isComplexType(ElemType.FLOAT)).toBe(false);
  });
});

describe('typedDataField', () => {
  it('follows onnx.proto', () => {
    const byField: Record<string, number[]> = {
      floatData: [ElemType.FLOAT, ElemType.COMPLEX64],
      int32Data: [
        ElemType.INT32, ElemType.INT16, ElemType.INT8, ElemType.UINT16, ElemType.UINT8, ElemType.BOOL,
        ElemType.FLOAT16, ElemType.BFLOAT16, ElemType.FLOAT8E4M3FN, ElemType.FLOAT8E4M3FNUZ,
        ElemType.FLOAT8E5M2, ElemType.FLOAT8E5M2FNUZ, ElemType.FLOAT8E8M0, ElemType.INT4, ElemType.UINT4,
        ElemType.INT2, ElemType.UINT2, ElemType.FLOAT4E2M1,
      ],
      stringData: [ElemType.STRING],
      int64Data: [ElemType.INT64],
      doubleData: [ElemType.DOUBLE, ElemType.COMPLEX128],
      uint64Data: [ElemType.UINT32, ElemType.UINT64],
    };
    let covered = 0;
    for (const [field, codes] of Object.entries(byField)) {
      for (const c of codes) expect(typedDataField(c), elemTypeName(c)).toBe(field);
      covered += codes.length;
    }
    expect(covered).toBe(26); // every code but UNDEFINED
    expect(typedDataField(ElemType.UNDEFINED)).toBeUndefined();
    expect(typedDataField(99)).toBeUndefined();
  });
});
