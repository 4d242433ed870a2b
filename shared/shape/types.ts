import { elemTypeName } from '../onnx/element-types.js';
import type { DimensionProto, TypeProto } from '../onnx/proto-types.js';
import { canonicalDim, dimEquals, dimToString, unifyDim, type Dim } from './dims.js';

// Inferred value types: what inference knows about a value, less than a TypeProto can say where it
// does not know (element type 0, dims null, shape null) and more where it tracks a sequence's items.

/** A tensor: element type (0 when unknown) and shape (null when even the rank is unknown). */
export interface TensorType {
  readonly kind: 'tensor';
  readonly elemType: number;
  readonly shape: readonly Dim[] | null;
}

/** A sequence; `items` lists each element's type when the sequence's contents are known statically. */
export interface SequenceType {
  readonly kind: 'sequence';
  readonly elem: ValueType | undefined;
  readonly items?: readonly ValueType[];
}

export interface OptionalType {
  readonly kind: 'optional';
  readonly elem: ValueType | undefined;
}

export interface MapType {
  readonly kind: 'map';
  readonly keyType: number;
  readonly value: ValueType | undefined;
}

/** An inferred type; `undefined` where a function returns one means "nothing known". */
export type ValueType = TensorType | SequenceType | OptionalType | MapType;

/** A tensor type. */
export function tensorOf(elemType: number, shape: readonly Dim[] | null): TensorType {
  return { kind: 'tensor', elemType, shape };
}

/** A sequence type whose elements have type `elem` (items given when the contents are known). */
export function sequenceOf(elem: ValueType | undefined, items?: readonly ValueType[]): SequenceType {
  return items ? { kind: 'sequence', elem, items } : { kind: 'sequence', elem };
}

/** An optional type around `elem`. */
export function optionalOf(elem: ValueType | undefined): OptionalType {
  return { kind: 'optional', elem };
}

function dimFromProto(d: DimensionProto, inputDims: Readonly<Record<string, number>> | undefined): Dim {
  if (d.dimValue !== undefined) return Number(d.dimValue);
  if (d.dimParam !== undefined && d.dimParam !== '') {
    if (inputDims && Object.hasOwn(inputDims, d.dimParam)) return inputDims[d.dimParam]!;
    return d.dimParam;
  }
  return null;
}

/** The inferred form of a declared TypeProto; `inputDims` binds symbolic dims to sizes. */
export function typeFromProto(t: TypeProto | undefined, inputDims?: Readonly<Record<string, number>>): ValueType | undefined {
  if (!t) return undefined;
  if (t.tensorType) {
    const shape = t.tensorType.shape ? (t.tensorType.shape.dim ?? []).map((d) => dimFromProto(d, inputDims)) : null;
    return tensorOf(t.tensorType.elemType ?? 0, shape);
  }
  if (t.sequenceType) return sequenceOf(typeFromProto(t.sequenceType.elemType, inputDims));
  if (t.optionalType) return optionalOf(typeFromProto(t.optionalType.elemType, inputDims));
  if (t.mapType) return { kind: 'map', keyType: t.mapType.keyType ?? 0, value: typeFromProto(t.mapType.valueType, inputDims) };
  return undefined;
}

function dimToProto(d: Dim): DimensionProto {
  if (typeof d === 'number') return { dimValue: d };
  if (typeof d === 'string') return { dimParam: d };
  return {};
}

/** A TypeProto for an inferred type (unknown dims are empty Dimension messages; unknown rank has no shape). */
export function typeToProto(t: ValueType): TypeProto {
  switch (t.kind) {
    case 'tensor': {
      const tensor: NonNullable<TypeProto['tensorType']> = { elemType: t.elemType };
      // A scalar's shape is present with no dims (an empty `dim` list would not survive decoding).
      if (t.shape) tensor.shape = t.shape.length ? { dim: t.shape.map(dimToProto) } : {};
      return { tensorType: tensor };
    }
    case 'sequence':
      return { sequenceType: t.elem ? { elemType: typeToProto(t.elem) } : {} };
    case 'optional':
      return { optionalType: t.elem ? { elemType: typeToProto(t.elem) } : {} };
    case 'map':
      return { mapType: t.value ? { keyType: t.keyType, valueType: typeToProto(t.value) } : { keyType: t.keyType } };
  }
}

/** A type as text: `float[batch,seq*2,?]`, `seq(float[3])`, `optional(int64[])`, `float[*]` for unknown rank. */
export function typeToString(t: ValueType | undefined): string {
  if (!t) return '?';
  switch (t.kind) {
    case 'tensor':
      return `${t.elemType ? elemTypeName(t.elemType) : '?'}[${t.shape ? t.shape.map(dimToString).join(',') : '*'}]`;
    case 'sequence':
      return `seq(${typeToString(t.elem)})`;
    case 'optional':
      return `optional(${typeToString(t.elem)})`;
    case 'map':
      return `map(${elemTypeName(t.keyType)},${typeToString(t.value)})`;
  }
}

/** Whether two types say exactly the same thing (dims compared symbolically). */
export function typesEqual(a: ValueType | undefined, b: ValueType | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'tensor': {
      const bt = b as TensorType;
      if (a.elemType !== bt.elemType) return false;
      if (!a.shape || !bt.shape) return a.shape === bt.shape;
      return a.shape.length === bt.shape.length && a.shape.every((d, i) => d === bt.shape![i] || dimEquals(d, bt.shape![i]!));
    }
    case 'sequence':
    case 'optional':
      return typesEqual(a.elem, (b as SequenceType | OptionalType).elem);
    case 'map':
      return a.keyType === (b as MapType).keyType && typesEqual(a.value, (b as MapType).value);
  }
}

/**
 * The type that covers both (If branches, a loop's state before and after an iteration): same kind
 * and element type or nothing; dims kept where they agree, unknown where they differ.
 */
export function unifyTypes(a: ValueType | undefined, b: ValueType | undefined): ValueType | undefined {
  if (!a || !b || a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case 'tensor': {
      const bt = b as TensorType;
      const elemType = a.elemType === bt.elemType ? a.elemType : 0;
      if (!a.shape || !bt.shape || a.shape.length !== bt.shape.length) return tensorOf(elemType, null);
      return tensorOf(elemType, a.shape.map((d, i) => unifyDim(d, bt.shape![i]!)));
    }
    case 'sequence': {
      const bs = b as SequenceType;
      const items =
        a.items && bs.items && a.items.length === bs.items.length && a.items.every((t, i) => typesEqual(t, bs.items![i]))
          ? a.items
          : undefined;
      return sequenceOf(unifyTypes(a.elem, bs.elem), items);
    }
    case 'optional':
      return optionalOf(unifyTypes(a.elem, (b as OptionalType).elem));
    case 'map':
      return a.keyType === (b as MapType).keyType ? { kind: 'map', keyType: a.keyType, value: unifyTypes(a.value, (b as MapType).value) } : undefined;
  }
}

/** What mergeDeclared found: the merged type and, when the two disagree on a fact, what. */
export interface MergeResult {
  type: ValueType | undefined;
  conflict?: string;
}

function mergeDim(inferred: Dim, declared: Dim): { dim: Dim; conflict: boolean } {
  if (inferred === null) return { dim: declared, conflict: false };
  if (declared === null) return { dim: inferred, conflict: false };
  if (typeof inferred === 'number' && typeof declared === 'number') return { dim: inferred, conflict: inferred !== declared };
  // A size is more precise than a name; two different names are not a contradiction.
  if (typeof declared === 'number') return { dim: declared, conflict: false };
  return { dim: inferred, conflict: false };
}

/**
 * An inferred type merged with a declared one (value_info, graph outputs): declared facts fill
 * what inference does not know; where both know and disagree, inference wins and the conflict is
 * described.
 */
export function mergeDeclared(inferred: ValueType | undefined, declared: ValueType | undefined): MergeResult {
  if (!declared) return { type: inferred };
  if (!inferred) return { type: declared };
  if (inferred.kind !== declared.kind) return { type: inferred, conflict: `inferred ${typeToString(inferred)}, declared ${typeToString(declared)}` };
  switch (inferred.kind) {
    case 'tensor': {
      const d = declared as TensorType;
      let conflict = false;
      let elemType = inferred.elemType;
      if (elemType === 0) elemType = d.elemType;
      else if (d.elemType !== 0 && d.elemType !== elemType) conflict = true;
      let shape = inferred.shape;
      if (!shape) shape = d.shape;
      else if (d.shape) {
        if (d.shape.length !== shape.length) conflict = true;
        else {
          shape = shape.map((dim, i) => {
            const m = mergeDim(dim, d.shape![i]!);
            if (m.conflict) conflict = true;
            return m.dim;
          });
        }
      }
      const type = tensorOf(elemType, shape);
      return conflict ? { type, conflict: `inferred ${typeToString(inferred)}, declared ${typeToString(declared)}` } : { type };
    }
    case 'sequence': {
      const m = mergeDeclared(inferred.elem, (declared as SequenceType).elem);
      return { ...m, type: sequenceOf(m.type, inferred.items) };
    }
    case 'optional': {
      const m = mergeDeclared(inferred.elem, (declared as OptionalType).elem);
      return { ...m, type: optionalOf(m.type) };
    }
    case 'map': {
      const m = mergeDeclared(inferred.value, (declared as MapType).value);
      return { ...m, type: { kind: 'map', keyType: inferred.keyType, value: m.type } };
    }
  }
}

/** The type with every symbolic dim in canonical form (expressions that fold to numbers become numbers). */
export function canonicalType(t: ValueType | undefined): ValueType | undefined {
  if (!t || t.kind !== 'tensor' || !t.shape) return t;
  return tensorOf(t.elemType, t.shape.map(canonicalDim));
}
