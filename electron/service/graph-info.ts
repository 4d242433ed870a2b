import type { IrNode } from '../../shared/ir/node.js';
import type { Graph } from '../../shared/ir/graph.js';
import { elemTypeName, ElemType } from '../../shared/onnx/element-types.js';
import { elementCount, summarizeValue, type ValueSummary } from '../../shared/onnx/model-summary.js';
import type { TensorProto, ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { FUNCTION_BODY, type GraphInfo, type GraphNodeInfo, type GraphPath, type GraphValueInfo } from '../../shared/protocol/backend.js';
import { typeToProto, type ValueType } from '../../shared/shape/index.js';
import { tensorValues } from '../../shared/verify/tensor-data.js';
import { attributeText } from './attribute-text.js';
import type { FunctionBodies } from './function-bodies.js';

/** The inferred type of a value as seen from a graph, when shape inference ran. */
export type InferredType = (graph: Graph, value: string) => ValueType | undefined;

// name → declaration of a graph's inputs and outputs (value_info has its own index), built once per graphInfo call.
type Declarations = (graph: Graph) => Map<string, ValueInfoProto>;

function declarationsOf(): Declarations {
  const cache = new Map<Graph, Map<string, ValueInfoProto>>();
  return (graph) => {
    let map = cache.get(graph);
    if (!map) {
      map = new Map();
      for (const vi of [...graph.inputs, ...graph.outputs]) if (vi.type && vi.name && !map.has(vi.name)) map.set(vi.name, vi);
      cache.set(graph, map);
    }
    return map;
  };
}

function declaredInfo(graph: Graph, name: string, declarations: Declarations): ValueInfoProto | undefined {
  // Outer values a subgraph reads are declared in the graph that defines them.
  for (let g: Graph | undefined = graph; g; g = g.parent) {
    const vi = declarations(g).get(name) ?? g.valueInfo(name);
    if (vi?.type) return vi;
    if (g.defines(name)) return undefined;
  }
  return undefined;
}

function initializerIn(graph: Graph, name: string): TensorProto | undefined {
  for (let g: Graph | undefined = graph; g; g = g.parent) {
    const t = g.initializers.get(name);
    if (t) return t;
    if (g.defines(name)) return undefined;
  }
  return undefined;
}

// How much a type says: element type, rank, and each known dim.
function knownness(v: ValueSummary | undefined): number {
  if (!v) return -1;
  let score = v.elemType !== 'unknown' && v.elemType !== 'undefined' ? 1 : 0;
  if (v.shape) score += 1 + v.shape.filter((d) => d !== null).length;
  return score;
}

// Tensors (nearly every value) directly; other kinds through the TypeProto form summarizeValue reads.
function inferredSummary(name: string, t: ValueType | undefined): ValueSummary | undefined {
  if (!t) return undefined;
  if (t.kind !== 'tensor') return summarizeValue({ name, type: typeToProto(t) });
  if (t.elemType === 0 && t.shape === null) return undefined;
  return { name, elemType: elemTypeName(t.elemType), shape: t.shape ? [...t.shape] : null };
}

function valueInfo(graph: Graph, name: string, inferred: InferredType | undefined, declarations: Declarations): GraphValueInfo {
  const init = initializerIn(graph, name);
  if (init) return { name, elemType: elemTypeName(init.dataType ?? 0), shape: (init.dims ?? []).map(Number), source: 'declared' };
  const declaredProto = declaredInfo(graph, name, declarations);
  const declared = declaredProto ? summarizeValue({ ...declaredProto, name }) : undefined;
  const fromInference = inferredSummary(name, inferred?.(graph, name));
  if (declared && knownness(declared) >= knownness(fromInference)) return { ...declared, source: 'declared' };
  if (fromInference) return { ...fromInference, source: 'inferred' };
  return { name, elemType: 'unknown', shape: null, source: 'unknown' };
}

/** A node's subgraphs, and the body of the local function it calls as one more. */
function subgraphsOf(node: IrNode, functions: FunctionBodies | undefined): GraphNodeInfo['subgraphs'] {
  const held = node.subgraphs.map((s) => ({
    attribute: s.attribute,
    ...(s.index !== undefined ? { index: s.index } : {}),
    name: s.graph.name,
    nodeCount: s.graph.nodeCount,
  }));
  const body = functions?.bodyOf(node);
  return body ? [...held, { attribute: FUNCTION_BODY, name: body.name, nodeCount: body.nodeCount }] : held;
}

/** A graph as the view needs it: nodes with attribute text, and the type of every value it uses. */
export function graphInfo(graph: Graph, path: GraphPath, inferred: InferredType | undefined, functions?: FunctionBodies): GraphInfo {
  const names = new Set<string>();
  const declarations = declarationsOf();
  const add = (n: string | undefined) => {
    if (n) names.add(n);
  };
  graph.inputs.forEach((v) => add(v.name));
  const nodes: GraphInfo['nodes'] = [];
  for (const node of graph.nodes) {
    node.inputs.forEach(add);
    node.outputs.forEach(add);
    const attributes: Record<string, string> = {};
    for (const a of node.attributes) attributes[a.name ?? ''] = attributeText(a);
    nodes.push({
      id: node.id,
      name: node.name,
      opType: node.opType,
      domain: node.domain,
      inputs: [...node.inputs],
      outputs: [...node.outputs],
      attributes,
      subgraphs: subgraphsOf(node, functions),
      ...implicitInputsOf(node),
      ...constantValueOf(node),
    });
  }
  graph.outputs.forEach((v) => add(v.name));
  return {
    path,
    name: graph.name,
    nodes,
    inputs: graph.inputs.map((v) => v.name ?? ''),
    outputs: graph.outputs.map((v) => v.name ?? ''),
    initializers: [...graph.initializers].map(([name, t]) => ({ name, elemType: elemTypeName(t.dataType ?? 0), dims: (t.dims ?? []).map(Number) })),
    values: [...names].map((n) => valueInfo(graph, n, inferred, declarations)),
  };
}

/** Constants this small show their value in the nodes that read them. */
const MAX_SHOWN_VALUES = 4;

function shortNumber(v: number | bigint | boolean): string {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** A Constant node's value as short text, when it holds a few numbers in the file itself. */
function constantValueOf(node: IrNode): { constantValue?: string } {
  if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) return {};
  const a = node.attributes[0];
  if (!a || node.attributes.length !== 1) return {};
  if (a.name === 'value_float') return { constantValue: shortNumber(a.f ?? 0) };
  if (a.name === 'value_int') return { constantValue: String(a.i ?? 0) };
  if (a.name === 'value_floats' && (a.floats?.length ?? 0) <= MAX_SHOWN_VALUES) return { constantValue: (a.floats ?? []).map(shortNumber).join(', ') };
  if (a.name === 'value_ints' && (a.ints?.length ?? 0) <= MAX_SHOWN_VALUES) return { constantValue: (a.ints ?? []).map(String).join(', ') };
  if (a.name !== 'value' || !a.t || elementCount(a.t) > MAX_SHOWN_VALUES || a.t.dataType === ElemType.STRING) return {};
  try {
    return { constantValue: Array.from(tensorValues(a.t) as ArrayLike<number | bigint | boolean>, shortNumber).join(', ') };
  } catch {
    return {}; // external or malformed data: the view shows the shape only
  }
}

/** Values a node's subgraphs read from outside them (an If branch using a tensor of this graph). */
function implicitInputsOf(node: IrNode): { implicitInputs?: string[] } {
  if (node.subgraphs.length === 0) return {};
  const reads = new Set<string>();
  for (const s of node.subgraphs) for (const v of s.graph.outerReferences()) reads.add(v);
  for (const v of node.inputs) reads.delete(v);
  return reads.size ? { implicitInputs: [...reads].sort() } : {};
}
