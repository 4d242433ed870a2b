import { allGraphs, type IrModel } from '../ir/model.js';
import { elemTypeName, isFloatType, rawByteLength } from './element-types.js';
import { externalDataOf } from './external-data.js';
import type { TensorProto, TypeProto, ValueInfoProto } from './proto-types.js';

/** A graph input or output as `inspect` reports it. */
export interface ValueSummary {
  name: string;
  /** Element type name ('float', 'int64', ...), or a description for non-tensor types ('sequence(float)'). */
  elemType: string;
  /** Dimensions: numbers, symbolic names as strings, null where unknown; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** The facts `inspect` prints (its JSON form is a stable interface; fields are only ever added). */
export interface ModelSummary {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  graphName: string;
  opsetImports: { domain: string; version: number }[];
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  nodeCount: number;
  nodeCountTotal: number;
  subgraphCount: number;
  functionCount: number;
  /** Op type → count over all graphs; ops outside the default domain are written `domain:OpType`. */
  opTypes: Record<string, number>;
  initializerCount: number;
  /** Elements in floating-point initializers, over all graphs. */
  parameterCount: number;
  /** Elements in floating-point tensors held by Constant nodes (some exporters keep weights there). */
  constantParameterCount: number;
  /** Bytes of initializer data by element type, over all graphs. */
  parameterBytesByType: Record<string, number>;
  metadata: Record<string, string>;
  externalDataFiles: string[];
}

function typeName(t: TypeProto | undefined): string {
  if (!t) return 'unknown';
  if (t.tensorType) return elemTypeName(t.tensorType.elemType ?? 0);
  if (t.sparseTensorType) return `sparse_tensor(${elemTypeName(t.sparseTensorType.elemType ?? 0)})`;
  if (t.sequenceType) return `sequence(${typeName(t.sequenceType.elemType)})`;
  if (t.optionalType) return `optional(${typeName(t.optionalType.elemType)})`;
  if (t.mapType) return `map(${elemTypeName(t.mapType.keyType ?? 0)},${typeName(t.mapType.valueType)})`;
  if (t.opaqueType) return `opaque(${t.opaqueType.domain ?? ''}.${t.opaqueType.name ?? ''})`;
  return 'unknown';
}

/** Summary of a value's declared type and shape. */
export function summarizeValue(vi: ValueInfoProto): ValueSummary {
  const shapeProto = vi.type?.tensorType?.shape ?? vi.type?.sparseTensorType?.shape;
  const shape = shapeProto
    ? (shapeProto.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam !== undefined && d.dimParam !== '' ? d.dimParam : null))
    : null;
  return { name: vi.name ?? '', elemType: typeName(vi.type), shape };
}

/** Number of elements a tensor declares (product of dims). */
export function elementCount(t: TensorProto): number {
  let n = 1;
  for (const d of t.dims ?? []) n *= Number(d);
  return n;
}

function tensorByteSize(t: TensorProto): number {
  const ext = externalDataOf(t);
  if (ext?.length !== undefined) return ext.length;
  if (t.rawData) return t.rawData.length;
  return rawByteLength(t.dataType ?? 0, elementCount(t)) ?? 0;
}

/** Everything `inspect` reports, computed from the IR without decoding any tensor values. */
export function summarizeModel(model: IrModel, externalDataFiles: string[] = []): ModelSummary {
  const meta = model.meta;
  const g = model.graph;
  const opTypes: Record<string, number> = {};
  let nodeCountTotal = 0;
  let subgraphCount = -1;
  let parameterCount = 0;
  let constantParameterCount = 0;
  const parameterBytesByType: Record<string, number> = {};
  for (const graph of allGraphs(g)) {
    subgraphCount++;
    nodeCountTotal += graph.nodeCount;
    for (const n of graph.nodes) {
      const key = n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}:${n.opType}`;
      opTypes[key] = (opTypes[key] ?? 0) + 1;
      const value = n.opType === 'Constant' && n.domain === '' ? n.attribute('value')?.t : undefined;
      if (value && isFloatType(value.dataType ?? 0)) constantParameterCount += elementCount(value);
    }
    for (const t of graph.initializers.values()) {
      const type = t.dataType ?? 0;
      if (isFloatType(type)) parameterCount += elementCount(t);
      const name = elemTypeName(type);
      parameterBytesByType[name] = (parameterBytesByType[name] ?? 0) + tensorByteSize(t);
    }
  }
  const inits = g.initializers;
  return {
    irVersion: Number(meta.irVersion ?? 0),
    producerName: meta.producerName ?? '',
    producerVersion: meta.producerVersion ?? '',
    domain: meta.domain ?? '',
    modelVersion: Number(meta.modelVersion ?? 0),
    graphName: g.name,
    opsetImports: (meta.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) })),
    inputs: g.inputs.filter((i) => !inits.has(i.name ?? '')).map(summarizeValue),
    outputs: g.outputs.map(summarizeValue),
    nodeCount: g.nodeCount,
    nodeCountTotal,
    subgraphCount,
    functionCount: meta.functions?.length ?? 0,
    opTypes: Object.fromEntries(Object.entries(opTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    initializerCount: inits.size,
    parameterCount,
    constantParameterCount,
    parameterBytesByType,
    metadata: Object.fromEntries((meta.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    externalDataFiles,
  };
}
