import data from './onnx-op-schemas.json' with { type: 'json' };

// The ONNX operator schemas (default domain and ai.onnx.ml, every version) as onnx.defs gives
// them, and onnxruntime's com.microsoft operators from its schema registry, generated once by
// scripts/gen-op-schemas.py into onnx-op-schemas.json. An operator's
// schema at an opset is the latest version whose since_version is not above it.

/** An input or output of an operator. */
export interface FormalParameter {
  name: string;
  /** The type parameter (`T`) or a fixed type (`tensor(int64)`). */
  typeStr: string;
  optional: boolean;
  variadic: boolean;
  /** For a variadic parameter: every value has the same type. */
  homogeneous: boolean;
}

/** An attribute as the schema declares it. */
export interface AttributeSchema {
  name: string;
  /** The text syntax's attribute type: `int`, `ints`, `float`, `string`, `tensor`, `graph`... */
  type: string;
  required: boolean;
  default?: number | string | readonly (number | string)[];
}

/** One version of an operator. */
export interface OpSchema {
  domain: string;
  name: string;
  sinceVersion: number;
  /** The first sentence of the operator's documentation. */
  doc: string;
  inputs: readonly FormalParameter[];
  outputs: readonly FormalParameter[];
  attributes: readonly AttributeSchema[];
  /** A type parameter's allowed types: `float`, `int64` for tensors; `seq(tensor(float))` otherwise. */
  typeConstraints: ReadonlyMap<string, readonly string[]>;
}

type RawParam = [string, string, string];
type RawAttr = [string, string, number, unknown?];
interface RawVersion {
  v: number;
  in: RawParam[];
  out: RawParam[];
  attr: RawAttr[];
  tc: Record<string, number>;
}
interface RawOp {
  doc: string;
  versions: RawVersion[];
}
interface RawData {
  source: string;
  types: string[][];
  ops: Record<string, Record<string, RawOp>>;
}

const raw = data as unknown as RawData;
const cache = new Map<string, OpSchema>();

/** The schema domain of a node's domain ('ai.onnx' is the default domain). */
function domainOf(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

function param([name, typeStr, flags]: RawParam): FormalParameter {
  return { name, typeStr, optional: flags === '?', variadic: flags === '*' || flags === '+', homogeneous: flags !== '+' };
}

function build(domain: string, name: string, op: RawOp, v: RawVersion): OpSchema {
  return {
    domain,
    name,
    sinceVersion: v.v,
    doc: op.doc,
    inputs: v.in.map(param),
    outputs: v.out.map(param),
    attributes: v.attr.map(([n, type, required, d]) => ({ name: n, type, required: required === 1, ...(d !== undefined ? { default: d as AttributeSchema['default'] } : {}) })),
    typeConstraints: new Map(Object.entries(v.tc).map(([k, i]) => [k, raw.types[i] ?? []])),
  };
}

/** Whether the schemas cover a domain (the default one, ai.onnx.ml, com.microsoft). */
export function hasSchemaDomain(domain: string): boolean {
  return Object.hasOwn(raw.ops, domainOf(domain));
}

/** The version of `opType` in effect at `opset` of its domain; undefined when it does not exist there. */
export function opSchema(domain: string, opType: string, opset: number): OpSchema | undefined {
  const d = domainOf(domain);
  const op = Object.hasOwn(raw.ops, d) && Object.hasOwn(raw.ops[d]!, opType) ? raw.ops[d]![opType]! : undefined;
  if (!op) return undefined;
  let v: RawVersion | undefined;
  for (const x of op.versions) if (x.v <= opset) v = x;
  if (!v) return undefined;
  const key = `${d}:${opType}:${v.v}`;
  let s = cache.get(key);
  if (!s) cache.set(key, (s = build(d, opType, op, v)));
  return s;
}

/** The latest version of an operator, whatever the opset (for descriptions). */
export function latestOpSchema(domain: string, opType: string): OpSchema | undefined {
  return opSchema(domain, opType, Number.MAX_SAFE_INTEGER);
}

/** The since_versions of an operator (ascending); empty when the schemas do not know it. */
export function opVersions(domain: string, opType: string): number[] {
  const d = domainOf(domain);
  const op = Object.hasOwn(raw.ops, d) ? raw.ops[d]![opType] : undefined;
  return op ? op.versions.map((v) => v.v) : [];
}

/** The operators of a domain that exist at `opset`, sorted by name. */
export function opsAt(domain: string, opset: number): string[] {
  const d = domainOf(domain);
  if (!Object.hasOwn(raw.ops, d)) return [];
  return Object.keys(raw.ops[d]!)
    .filter((name) => raw.ops[d]![name]!.versions[0]!.v <= opset)
    .sort();
}
