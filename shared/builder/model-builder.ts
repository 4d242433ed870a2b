import { encodeModel } from '../onnx/model-codec.js';
import type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  Int64,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  TensorProto,
  ValueInfoProto,
} from '../onnx/proto-types.js';
import { concatSegments } from '../proto/wire-writer.js';
import { attrs, type AttrValue } from './attributes.js';

/** Optional NodeProto fields. */
export interface NodeOptions {
  name?: string;
  domain?: string;
  docString?: string;
}

/**
 * A NodeProto: `node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3] }, { name: 'conv0' })`.
 * '' in `inputs` marks an omitted optional input. Fields not given are left absent.
 */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes?: Readonly<Record<string, AttrValue>> | readonly AttributeProto[],
  options: NodeOptions = {},
): NodeProto {
  // Empty lists are left absent, as onnx.helper leaves them, so decoding gives back the same object.
  const n: NodeProto = {};
  if (inputs.length) n.input = [...inputs];
  if (outputs.length) n.output = [...outputs];
  if (options.name !== undefined) n.name = options.name;
  n.opType = opType;
  const list = attributes === undefined ? [] : Array.isArray(attributes) ? [...attributes] : attrs(attributes as Record<string, AttrValue>);
  if (list.length) n.attribute = list;
  if (options.docString !== undefined) n.docString = options.docString;
  if (options.domain !== undefined) n.domain = options.domain;
  return n;
}

/** A graph input or output: a ValueInfoProto, or just a name (type left to inference). */
export type GraphValue = ValueInfoProto | string;

/** What `graph` takes; everything but the nodes is optional. */
export interface GraphSpec {
  /** Defaults to 'main': the onnx checker wants every graph named. */
  name?: string;
  nodes: readonly NodeProto[];
  inputs?: readonly GraphValue[];
  outputs?: readonly GraphValue[];
  initializers?: readonly TensorProto[];
  valueInfo?: readonly ValueInfoProto[];
  docString?: string;
}

function toValueInfo(v: GraphValue): ValueInfoProto {
  return typeof v === 'string' ? { name: v } : v;
}

/** A GraphProto from nodes, inputs, outputs, initializers and value infos. */
export function graph(spec: GraphSpec): GraphProto {
  const g: GraphProto = {};
  if (spec.nodes.length) g.node = [...spec.nodes];
  g.name = spec.name ?? 'main';
  if (spec.initializers?.length) g.initializer = [...spec.initializers];
  if (spec.docString !== undefined) g.docString = spec.docString;
  if (spec.inputs?.length) g.input = spec.inputs.map(toValueInfo);
  if (spec.outputs?.length) g.output = spec.outputs.map(toValueInfo);
  if (spec.valueInfo?.length) g.valueInfo = [...spec.valueInfo];
  return g;
}

/** An opset import; '' is the default ONNX domain. */
export interface OpsetSpec {
  domain: string;
  version: number;
}

/** Model-level options of `model`. */
export interface ModelOptions {
  /** A version of the default domain, or a list of imports. Defaults to 17. */
  opset?: number | readonly OpsetSpec[];
  /** Defaults to 8 (what onnx 1.12+ writes for opset 17, and what onnxruntime accepts broadly). */
  irVersion?: Int64;
  /** Defaults to 'onnx-workbench'. */
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  /** metadata_props, in key order. */
  metadata?: Readonly<Record<string, string>>;
  functions?: readonly FunctionProto[];
}

/** A ModelProto around `graph` (opset 17, IR version 8 and producer 'onnx-workbench' unless told). */
export function model(graphProto: GraphProto, options: ModelOptions = {}): ModelProto {
  const opset = options.opset ?? 17;
  const imports: OperatorSetIdProto[] =
    typeof opset === 'number' ? [{ domain: '', version: opset }] : opset.map((o) => ({ domain: o.domain, version: o.version }));
  const m: ModelProto = { irVersion: options.irVersion ?? 8, producerName: options.producerName ?? 'onnx-workbench' };
  if (options.producerVersion !== undefined) m.producerVersion = options.producerVersion;
  if (options.domain !== undefined) m.domain = options.domain;
  if (options.modelVersion !== undefined) m.modelVersion = options.modelVersion;
  if (options.docString !== undefined) m.docString = options.docString;
  m.graph = graphProto;
  m.opsetImport = imports;
  if (options.metadata) m.metadataProps = Object.entries(options.metadata).map(([key, value]) => ({ key, value }));
  if (options.functions?.length) m.functions = [...options.functions];
  return m;
}

/** The model encoded into one buffer (what a test hands to onnxruntime or writes to a file). */
export function modelBytes(m: ModelProto): Uint8Array {
  return concatSegments(encodeModel(m));
}
