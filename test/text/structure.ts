import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto, ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { attrKind } from '../../shared/onnx/attribute-kinds.js';
import { tensorValues } from '../../shared/verify/tensor-data.js';

// A model's structure as plain data, for comparing a model with its text read back: nodes,
// attributes (typed, values decoded), values and their types, initializers by their decoded
// values (raw_data or typed fields alike). Doc strings are left out: the text does not carry them.

function typeOf(t: TypeProto | undefined): unknown {
  if (!t) return null;
  if (t.tensorType) return { tensor: t.tensorType.elemType ?? 0, shape: t.tensorType.shape ? (t.tensorType.shape.dim ?? []).map(dim) : null };
  if (t.sparseTensorType) return { sparse: t.sparseTensorType.elemType ?? 0, shape: t.sparseTensorType.shape ? (t.sparseTensorType.shape.dim ?? []).map(dim) : null };
  if (t.sequenceType) return { seq: typeOf(t.sequenceType.elemType) };
  if (t.optionalType) return { optional: typeOf(t.optionalType.elemType) };
  if (t.mapType) return { map: t.mapType.keyType ?? 0, value: typeOf(t.mapType.valueType) };
  // An empty TypeProto (Silero VAD's If outputs have one) says no more than an absent one.
  const keys = Object.keys(t).filter((k) => k !== 'denotation');
  return keys.length ? { other: keys } : null;
}

function dim(d: { dimValue?: number | bigint; dimParam?: string }): unknown {
  return d.dimValue !== undefined ? String(d.dimValue) : d.dimParam ? `$${d.dimParam}` : '?';
}

function value(v: ValueInfoProto): unknown {
  return [v.name ?? '', typeOf(v.type)];
}

function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function tensor(t: TensorProto): unknown {
  const head = { name: t.name ?? '', type: t.dataType ?? 0, dims: (t.dims ?? []).map(String) };
  if (t.dataLocation === 1) return { ...head, external: (t.externalData ?? []).map((e) => `${e.key}=${e.value}`) };
  const v = tensorValues(t);
  if (!Array.isArray(v) && v.length > 4096) return { ...head, fingerprint: fingerprint(v) };
  const values = Array.isArray(v) ? v.map((b) => Array.from(b).join(' ')) : Array.from(v as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? `${x}n` : num(x)));
  return { ...head, values };
}

// Large weights: every decoded value's bits mixed into one number (strings of millions of values are slow to compare).
function fingerprint(v: ArrayLike<number | bigint>): string {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let a = 0x811c9dc5;
  let b = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    f[0] = typeof x === 'bigint' ? Number(x) : x;
    a = Math.imul(a ^ u[0]!, 0x01000193) ^ Math.imul(b ^ u[1]!, 0x5bd1e995);
    b = (b + a) | 0;
  }
  return `${v.length}:${a >>> 0}:${b >>> 0}`;
}

function attribute(a: AttributeProto): unknown {
  const kind = attrKind(a);
  return {
    name: a.name ?? '',
    kind,
    ref: a.refAttrName ?? null,
    f: a.f !== undefined ? num(a.f) : null,
    i: a.i !== undefined ? String(a.i) : null,
    s: a.s ? Array.from(a.s).join(' ') : null,
    t: a.t ? tensor(a.t) : null,
    g: a.g ? graph(a.g) : null,
    floats: (a.floats ?? []).map(num),
    ints: (a.ints ?? []).map(String),
    strings: (a.strings ?? []).map((s) => Array.from(s).join(' ')),
    tensors: (a.tensors ?? []).map(tensor),
    graphs: (a.graphs ?? []).map(graph),
    tp: a.tp ? typeOf(a.tp) : null,
    tps: (a.typeProtos ?? []).map(typeOf),
    sparse: a.sparseTensor ? [tensor(a.sparseTensor.values ?? {}), tensor(a.sparseTensor.indices ?? {}), (a.sparseTensor.dims ?? []).map(String)] : null,
  };
}

function node(n: NodeProto): unknown {
  return {
    name: n.name ?? '',
    op: n.opType ?? '',
    domain: n.domain ?? '',
    overload: n.overload ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: (n.attribute ?? []).map(attribute),
  };
}

/** A graph's structure. */
export function graph(g: GraphProto): unknown {
  return {
    name: g.name ?? '',
    inputs: (g.input ?? []).map(value),
    outputs: (g.output ?? []).map(value),
    valueInfo: (g.valueInfo ?? []).map(value),
    initializers: (g.initializer ?? []).map(tensor),
    sparse: (g.sparseInitializer ?? []).map((s) => [tensor(s.values ?? {}), tensor(s.indices ?? {}), (s.dims ?? []).map(String)]),
    nodes: (g.node ?? []).map(node),
  };
}

function fn(f: FunctionProto): unknown {
  return {
    name: f.name ?? '',
    domain: f.domain ?? '',
    overload: f.overload ?? '',
    opsets: (f.opsetImport ?? []).map((o) => `${o.domain ?? ''}:${String(o.version)}`),
    inputs: f.input ?? [],
    outputs: f.output ?? [],
    attributes: f.attribute ?? [],
    defaults: (f.attributeProto ?? []).map(attribute),
    valueInfo: (f.valueInfo ?? []).map(value),
    nodes: (f.node ?? []).map(node),
  };
}

/** A model's structure: header fields, graph, functions. */
export function modelStructure(m: ModelProto): unknown {
  return {
    irVersion: m.irVersion === undefined ? null : String(m.irVersion),
    opsets: (m.opsetImport ?? []).map((o) => `${o.domain ?? ''}:${String(o.version)}`),
    producer: [m.producerName ?? null, m.producerVersion ?? null, m.domain ?? null, m.modelVersion === undefined ? null : String(m.modelVersion), m.docString ?? null],
    metadata: (m.metadataProps ?? []).map((e) => `${e.key}=${e.value}`),
    graph: graph(m.graph ?? {}),
    functions: (m.functions ?? []).map(fn),
  };
}
