import { describe, expect, it } from 'vitest';
import { ElemType, sequenceType, tensorType } from '../../shared/builder/index.js';
import { mergeDeclared, sequenceOf, tensorOf, typeFromProto, typeToProto, typeToString, unifyTypes } from '../../shared/shape/types.js';

describe('inferred value types', () => {
  it('convert from and to TypeProto (unknown dims and unknown rank included)', () => {
    const proto = tensorType(ElemType.FLOAT, ['batch', 3, null]);
    const t = typeFromProto(proto);
    expect(typeToString(t)).toBe('float[batch,3,?]');
    expect(typeToProto(t!)).toEqual(proto);
    expect(typeToString(typeFromProto(tensorType(ElemType.INT64)))).toBe('int64[*]');
    expect(typeToString(typeFromProto(tensorType(ElemType.INT64, [])))).toBe('int64[]');
    expect(typeToString(typeFromProto(sequenceType(tensorType(ElemType.FLOAT, ['n']))))).toBe('seq(float[n])');
    expect(typeToString(typeFromProto(tensorType(ElemType.FLOAT, ['batch', 'seq']), { batch: 2 }))).toBe('float[2,seq]');
  });

  it('merge declared facts into inferred ones, and describe contradictions', () => {
    const inferred = tensorOf(ElemType.FLOAT, [null, 'seq*2', 4]);
    expect(typeToString(mergeDeclared(inferred, tensorOf(ElemType.FLOAT, ['batch', 'doubled', 4])).type)).toBe('float[batch,seq*2,4]');
    expect(typeToString(mergeDeclared(inferred, tensorOf(ElemType.FLOAT, [2, 8, 4])).type)).toBe('float[2,8,4]');
    expect(mergeDeclared(inferred, tensorOf(ElemType.FLOAT, [2, 8, 5])).conflict).toBe('inferred float[?,seq*2,4], declared float[2,8,5]');
    expect(mergeDeclared(inferred, tensorOf(ElemType.INT64, null)).conflict).toBeDefined();
    expect(mergeDeclared(undefined, inferred).type).toBe(inferred);
  });

  it('unify what two branches say', () => {
    expect(typeToString(unifyTypes(tensorOf(ElemType.FLOAT, ['n', 3]), tensorOf(ElemType.FLOAT, ['n', 4])))).toBe('float[n,?]');
    expect(typeToString(unifyTypes(tensorOf(ElemType.FLOAT, ['n', 3]), tensorOf(ElemType.FLOAT, ['n'])))).toBe('float[*]');
    expect(unifyTypes(tensorOf(ElemType.FLOAT, [1]), sequenceOf(undefined))).toBeUndefined();
    const items = [tensorOf(ElemType.FLOAT, [1]), tensorOf(ElemType.FLOAT, [2])];
    expect(unifyTypes(sequenceOf(tensorOf(ElemType.FLOAT, [null]), items), sequenceOf(tensorOf(ElemType.FLOAT, [null]), items))).toEqual(
      sequenceOf(tensorOf(ElemType.FLOAT, [null]), items),
    );
  });
});
