import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import { elementCount } from '../onnx/model-summary.js';
import type { AttributeProto, TensorProto, TypeProto } from '../onnx/proto-types.js';
import { decodeRawValues, decodeTypedValues, type TensorValues } from '../onnx/tensor-values.js';
import { typedDataField, ElemType } from '../onnx/element-types.js';
import { AttrType } from '../onnx/proto-types.js';
import { PackedValues } from '../proto/packed-values.js';

/** A dimension: a number, a symbolic name or expression, or null when unknown. */
export type Dim = number | string | null;

/** The type of a tensor value as passes see it. */
export interface TensorFacts {
  elemType: number;
  /** null when the rank is unknown. */
  shape: Dim[] | null;
}

/** The statically known contents of a small value: numbers, or symbolic/unknown (string/null) elements. */
export interface KnownContents {
  readonly shape: readonly number[];
  readonly data: readonly (number | string | null)[];
}

/** What an inference says about the values of a model. */
export interface InferredFacts {
  /** A value's type as seen from `graph`. */
  type(graph: Graph, value: string): TypeProto | undefined;
  /** A small value's contents where inference can know them (shape data and arithmetic on it). */
  known?(graph: Graph, value: string): KnownContents | undefined;
}

/** Infers types (and known contents) of every value of a model; plugged in by whoever has shape inference. */
export type TypeInference = (model: IrModel) => InferredFacts;

function fromTypeProto(t: TypeProto | undefined): TensorFacts | undefined {
  const tt = t?.tensorType;
  if (!tt || tt.elemType === undefined) return undefined;
  const shape = tt.shape
    ? (tt.shape.dim ?? []).map((d): Dim => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null))
    : null;
  return { elemType: tt.elemType, shape };
}

/** The tensor a Constant node's value attribute stands for (sparse and string forms are not folded). */
function constantAttributeTensor(a: AttributeProto): TensorProto | undefined {
  switch (a.name) {
    case 'value':
      return a.t;
    case 'value_float':
      return { dims: [], dataType: ElemType.FLOAT, floatData: PackedValues.of('float', [a.f ?? 0]) };
    case 'value_floats':
      return { dims: [a.floats?.length ?? 0], dataType: ElemType.FLOAT, floatData: PackedValues.of('float', a.floats ?? []) };
    case 'value_int':
      return { dims: [], dataType: ElemType.INT64, int64Data: PackedValues.of('int64', [a.i ?? 0]) };
    case 'value_ints':
      return { dims: [a.ints?.length ?? 0], dataType: ElemType.INT64, int64Data: PackedValues.of('int64', a.ints ?? []) };
    default:
      return undefined;
  }
}

/**
 * Facts about values that guards need: which values are constants (initializers that cannot be
 * overridden, Constant node outputs) and their decoded values, and types and shapes (declared,
 * or inferred when an inference is plugged in). Inferred types are computed once and kept until
 * `invalidate` (the pass manager calls it between passes): re-inferring after every rewrite would
 * make a pass quadratic, and a rewrite keeps the types of the values it leaves in place.
 */
export class ValueFacts {
  private inferred: InferredFacts | undefined;
  private readonly decoded = new Map<TensorProto, TensorValues | null>();

  constructor(
    private readonly model: IrModel,
    private readonly infer: TypeInference | undefined,
    /** Bytes of tensors whose data lives elsewhere (external data), when the host has them. */
    private readonly externalBytes: (t: TensorProto) => Uint8Array | undefined = () => undefined,
  ) {}

  /** Forgets inferred types (after edits); the next question infers again. */
  invalidate(): void {
    this.inferred = undefined;
  }

  /** The constant tensor behind a value, or undefined when the value can vary. */
  constant(graph: Graph, value: string): TensorProto | undefined {
    for (let g: Graph | undefined = graph; g; g = g.parent) {
      const init = g.initializers.get(value);
      // An initializer that is also a graph input is only a default that callers may override,
      // from IR version 4 on. Before, every initializer had to be listed as an input, and
      // runtimes take it as a constant (onnxruntime: CanOverrideInitializer is ir_version >= 4).
      if (init) return g.isGraphInput(value) && this.inputsOverrideInitializers() ? undefined : init;
      const p = g.producer(value);
      if (p) {
        if (p.opType !== 'Constant' || (p.domain !== '' && p.domain !== 'ai.onnx')) return undefined;
        const a = p.attributes[0];
        return a && p.attributes.length === 1 && a.type !== AttrType.SPARSE_TENSOR ? constantAttributeTensor(a) : undefined;
      }
      if (g.isGraphInput(value)) return undefined;
    }
    return undefined;
  }

  private inputsOverrideInitializers(): boolean {
    const ir = this.model.meta.irVersion;
    return ir === undefined || Number(ir) >= 4;
  }

  /** Decoded values of a constant tensor (undefined for external data the host has not loaded, or strings). */
  values(t: TensorProto): TensorValues | undefined {
    let v = this.decoded.get(t);
    if (v === undefined) {
      v = decodeTensor(t, this.externalBytes) ?? null;
      this.decoded.set(t, v);
    }
    return v ?? undefined;
  }

  /** Values of a constant value as plain numbers (for small int/float constants in guards). */
  numbers(graph: Graph, value: string): number[] | undefined {
    const t = this.constant(graph, value);
    const v = t && this.values(t);
    if (!v || Array.isArray(v)) return undefined;
    return Array.from(v as ArrayLike<number | bigint>, Number);
  }

  /** Element type and shape of a value: declared in the model, or inferred. */
  tensor(graph: Graph, value: string): TensorFacts | undefined {
    const c = this.constant(graph, value);
    if (c) return { elemType: c.dataType ?? 0, shape: (c.dims ?? []).map(Number) };
    const inferred = fromTypeProto(this.inference()?.type(graph, value));
    if (inferred) return inferred;
    for (let g: Graph | undefined = graph; g; g = g.parent) {
      const declared = g.valueInfo(value) ?? g.inputs.find((i) => i.name === value) ?? g.outputs.find((o) => o.name === value);
      if (declared) return fromTypeProto(declared.type);
    }
    return undefined;
  }

  /** What inference knows of a small value's contents: numbers, symbolic dims (strings), unknowns (null). */
  knownContents(graph: Graph, value: string): KnownContents | undefined {
    return this.inference()?.known?.(graph, value);
  }

  private inference(): InferredFacts | undefined {
    if (this.infer && !this.inferred) this.inferred = this.infer(this.model);
    return this.inferred;
  }

  /**
   * The contents of a value when inference knows every element as a number (a Shape of a
   * value whose dims are static, a Gather of one known dim...); undefined otherwise.
   */
  knownNumbers(graph: Graph, value: string): { shape: readonly number[]; data: readonly number[] } | undefined {
    const k = this.knownContents(graph, value);
    if (!k || !k.data.every((d): d is number => typeof d === 'number')) return undefined;
    return { shape: k.shape, data: k.data };
  }

  /** The shape of a value when every dimension is a known number. */
  staticShape(graph: Graph, value: string): number[] | undefined {
    const s = this.tensor(graph, value)?.shape;
    return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
  }
}

/** Decodes any in-memory tensor's values (raw data, typed fields, or host-provided external bytes). */
export function decodeTensor(t: TensorProto, externalBytes: (t: TensorProto) => Uint8Array | undefined): TensorValues | undefined {
  const type = t.dataType ?? 0;
  const count = elementCount(t);
  if (type === ElemType.STRING) return undefined;
  const raw = t.dataLocation === 1 ? externalBytes(t) : t.rawData;
  if (raw) return decodeRawValues(type, raw, count);
  if (t.dataLocation === 1) return undefined;
  const field = typedDataField(type);
  const packed = field && field !== 'stringData' ? t[field] : undefined;
  return decodeTypedValues(type, packed ? packed.values() : [], count);
}
