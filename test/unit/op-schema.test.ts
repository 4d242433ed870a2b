import { describe, expect, it } from 'vitest';
import { hasSchemaDomain, opSchema, opsAt, opVersions } from '../../shared/opschema/op-schema.js';

// The operator schemas generated from onnx.defs (and onnxruntime for com.microsoft): the version
// in effect at an opset, formal parameters, attributes with defaults, type constraints.

describe('operator schemas', () => {
  it('gives the version in effect at an opset', () => {
    expect(opVersions('', 'Conv')).toEqual([1, 11, 22]);
    expect(opSchema('', 'Conv', 10)!.sinceVersion).toBe(1);
    expect(opSchema('', 'Conv', 21)!.sinceVersion).toBe(11);
    expect(opSchema('ai.onnx', 'Conv', 22)!.sinceVersion).toBe(22);
    expect(opSchema('', 'Gelu', 19)).toBeUndefined();
    expect(opSchema('', 'Gelu', 20)!.doc).toMatch(/^Gelu takes one input data/);
    expect(opSchema('', 'NoSuchOp', 20)).toBeUndefined();
    expect(opsAt('', 17)).not.toContain('Gelu');
    expect(opsAt('', 20)).toContain('Gelu');
  });

  it('has formal parameters, attributes with types and defaults, and type constraints', () => {
    const conv = opSchema('', 'Conv', 17)!;
    expect(conv.inputs.map((p) => [p.name, p.typeStr, p.optional])).toEqual([
      ['X', 'T', false],
      ['W', 'T', false],
      ['B', 'T', true],
    ]);
    expect(conv.attributes.find((a) => a.name === 'group')).toEqual({ name: 'group', type: 'int', required: false, default: 1 });
    expect(conv.attributes.find((a) => a.name === 'kernel_shape')).toEqual({ name: 'kernel_shape', type: 'ints', required: false });
    expect(conv.typeConstraints.get('T')).toEqual(['double', 'float', 'float16']);
    expect(opSchema('', 'Conv', 22)!.typeConstraints.get('T')).toEqual(['bfloat16', 'double', 'float', 'float16']);
    const concat = opSchema('', 'Concat', 13)!;
    expect(concat.inputs[0]).toMatchObject({ name: 'inputs', variadic: true, homogeneous: true });
    expect(concat.attributes).toEqual([{ name: 'axis', type: 'int', required: true }]);
    expect(opSchema('', 'Reshape', 14)!.inputs[1]!.typeStr).toBe('tensor(int64)');
  });

  it('covers ai.onnx.ml and com.microsoft, not custom domains', () => {
    expect(hasSchemaDomain('ai.onnx.ml')).toBe(true);
    expect(hasSchemaDomain('com.microsoft')).toBe(true);
    expect(hasSchemaDomain('com.example')).toBe(false);
    expect(opSchema('ai.onnx.ml', 'TreeEnsembleClassifier', 3)!.attributes.map((a) => a.name)).toContain('nodes_featureids');
    expect(opSchema('com.microsoft', 'FusedMatMul', 1)!.attributes.find((a) => a.name === 'alpha')).toMatchObject({ type: 'float', default: 1 });
  });
});
