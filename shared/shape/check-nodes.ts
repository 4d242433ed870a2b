import type { Graph } from '../ir/graph.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { attrKind, attrTypeName } from '../onnx/attribute-kinds.js';
import { elemTypeName } from '../onnx/element-types.js';
import type { FunctionProto } from '../onnx/proto-types.js';
import { hasSchemaDomain, opSchema, opVersions, type OpSchema } from '../opschema/op-schema.js';
import { inferShapes, type ShapeInference } from './infer.js';
import { typeToString, type ValueType } from './types.js';

// Strict checks of a model against the operator schemas and its own inferred shapes, for text the
// user wrote: inference itself is lenient (an unknown dim where two static dims disagree), so a
// MatMul whose inner dims differ or an Add of shapes that do not broadcast would pass it. Here
// they are problems, with the node, the input or attribute, and both sides named. Shapes checked:
// broadcasting, MatMul/Gemm inner dims, Conv channels, Concat's dims off the axis.

/** Something wrong with a node (or a declared type) of a model. */
export interface NodeProblem {
  graph: Graph;
  node?: IrNode;
  /** The value the problem is about: the node's input or output, or a declared value. */
  value?: string;
  attribute?: string;
  message: string;
}

/** Ops whose inputs broadcast numpy-style (multidirectional), all inputs together. */
const BROADCASTING = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor',
  'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'Max', 'Min', 'Mean', 'Sum', 'Where',
]);

/** A tensor's element type name (`float`); undefined for other types or an unknown element type. */
function tensorName(t: ValueType | undefined): string | undefined {
  return t?.kind === 'tensor' && t.elemType ? elemTypeName(t.elemType) : undefined;
}

/** Plain tensor types (`float`) a constraint allows; sequences and optionals are not checked. */
const isPlain = (t: string) => /^\w+$/.test(t);

function listed(types: readonly string[]): string {
  return types.length > 8 ? `${types.slice(0, 8).join(', ')}, …` : types.join(', ');
}

/** The formal parameter of input i (the last, variadic one for inputs past the list). */
function formalAt(schema: OpSchema, i: number) {
  const last = schema.inputs[schema.inputs.length - 1];
  return schema.inputs[i] ?? (last?.variadic ? last : undefined);
}

class Checker {
  readonly problems: NodeProblem[] = [];
  /** Local functions by domain and name (overloads share an entry: the call's overload picks one). */
  private readonly localFunctions = new Map<string, FunctionProto[]>();

  constructor(
    private readonly model: IrModel,
    private readonly inference: ShapeInference,
  ) {
    for (const f of model.meta.functions ?? []) {
      const key = `${f.domain ?? ''}:${f.name ?? ''}`;
      this.localFunctions.set(key, [...(this.localFunctions.get(key) ?? []), f]);
    }
  }

  private add(graph: Graph, node: IrNode | undefined, message: string, at: { value?: string; attribute?: string } = {}): void {
    this.problems.push({ graph, ...(node ? { node } : {}), ...at, message: node ? `${node.label}: ${message}` : message });
  }

  private type(graph: Graph, node: IrNode, i: number): ValueType | undefined {
    const v = node.inputs[i];
    return v ? this.inference.typeOf(graph, v) : undefined;
  }

  checkNode(graph: Graph, node: IrNode): void {
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    const local = this.localFunctions.get(`${domain}:${node.opType}`);
    if (local) return this.checkCall(graph, node, local);
    if (!hasSchemaDomain(domain)) return;
    const opset = this.model.opsetVersion(domain);
    if (opset === undefined) return;
    const schema = opSchema(domain, node.opType, opset);
    if (!schema) {
      const versions = opVersions(domain, node.opType);
      const where = domain === '' ? 'the default domain' : domain;
      this.add(graph, node, versions.length ? `${node.opType} is not in opset ${opset} of ${where} (it comes in opset ${versions[0]})` : `${where} has no operator ${node.opType}`);
      return;
    }
    this.checkAttributes(graph, node, schema);
    this.checkTypes(graph, node, schema);
    this.checkShapes(graph, node);
  }

  /** A call of a local function passes no more inputs and asks no more outputs than the function has. */
  private checkCall(graph: Graph, node: IrNode, candidates: readonly FunctionProto[]): void {
    const f = candidates.find((c) => (c.overload ?? '') === (node.proto.overload ?? ''));
    if (!f) return;
    const inputs = f.input?.length ?? 0;
    const outputs = f.output?.length ?? 0;
    const name = `${f.domain ? `${f.domain}.` : ''}${f.name ?? ''}`;
    if (node.inputs.length > inputs) this.add(graph, node, `${node.inputs.length} inputs, but the local function ${name} takes ${inputs}`);
    if (node.outputs.length > outputs) this.add(graph, node, `${node.outputs.length} outputs, but the local function ${name} has ${outputs}`);
  }

  private checkAttributes(graph: Graph, node: IrNode, schema: OpSchema): void {
    const declared = new Map(schema.attributes.map((a) => [a.name, a]));
    for (const a of node.attributes) {
      const name = a.name ?? '';
      const s = declared.get(name);
      // A reference to a function's attribute (`axis: int = @axis`) has its type from the function.
      if (!s) this.add(graph, node, `${node.opType}-${schema.sinceVersion} has no attribute "${name}" (it has ${[...declared.keys()].join(', ') || 'none'})`, { attribute: name });
      else if (!a.refAttrName && attrTypeName(attrKind(a)) !== s.type) this.add(graph, node, `attribute "${name}" is ${s.type} in ${node.opType}-${schema.sinceVersion}, not ${attrTypeName(attrKind(a)) ?? 'untyped'}`, { attribute: name });
    }
    for (const s of schema.attributes) if (s.required && !node.attribute(s.name)) this.add(graph, node, `the required attribute "${s.name}" (${s.type}) is missing`);
  }

  /** Inputs that share a type parameter have one type, and it is one the parameter allows. */
  private checkTypes(graph: Graph, node: IrNode, schema: OpSchema): void {
    const bound = new Map<string, { type: string; input: number }>();
    node.inputs.forEach((value, i) => {
      const formal = formalAt(schema, i);
      const type = value ? tensorName(this.type(graph, node, i)) : undefined;
      if (!formal || !type) return;
      const what = `input ${formal.name} "${value}"`;
      const allowed = schema.typeConstraints.get(formal.typeStr);
      if (!allowed) {
        const fixed = /^tensor\((\w+)\)$/.exec(formal.typeStr)?.[1];
        if (fixed && fixed !== type) this.add(graph, node, `${what} is ${type}, but ${node.opType} takes ${fixed} there`, { value });
        return;
      }
      const plain = allowed.filter(isPlain);
      if (!plain.length) return;
      if (!plain.includes(type)) {
        this.add(graph, node, `${what} is ${type}, which ${node.opType} does not take (${formal.typeStr}: ${listed(plain)})`, { value });
        return;
      }
      if (formal.variadic && !formal.homogeneous) return;
      const first = bound.get(formal.typeStr);
      if (!first) bound.set(formal.typeStr, { type, input: i });
      else if (first.type !== type) {
        const other = formalAt(schema, first.input)!;
        this.add(graph, node, `${what} is ${type}, but input ${other.name} "${node.inputs[first.input]}" is ${first.type} (both are ${formal.typeStr})`, { value });
      }
    });
  }

  private checkShapes(graph: Graph, node: IrNode): void {
    const shape = (i: number) => {
      const t = this.type(graph, node, i);
      return t?.kind === 'tensor' && t.shape ? t.shape : undefined;
    };
    const show = (i: number) => `"${node.inputs[i]}" ${typeToString(this.type(graph, node, i))}`;
    if (BROADCASTING.has(node.opType)) {
      // Right-aligned static dims other than 1 must agree.
      const given = node.inputs.map((v, i) => (v ? shape(i) : undefined));
      const rank = Math.max(0, ...given.map((s) => s?.length ?? 0));
      for (let k = 1; k <= rank; k++) {
        let first: number | undefined;
        for (let i = 0; i < given.length; i++) {
          const d = given[i]?.[given[i]!.length - k];
          if (typeof d !== 'number' || d === 1) continue;
          if (first === undefined) first = i;
          else if (given[first]![given[first]!.length - k] !== d) {
            this.add(graph, node, `input ${show(i)} does not broadcast with ${show(first)} (dim ${d} against ${given[first]![given[first]!.length - k]})`, { value: node.inputs[i] });
            return;
          }
        }
      }
    }
    if (node.opType === 'MatMul' || node.opType === 'MatMulInteger') {
      const a = shape(0);
      const b = shape(1);
      if (!a?.length || !b?.length) return;
      const k = a[a.length - 1];
      const kb = b.length === 1 ? b[0] : b[b.length - 2];
      if (typeof k === 'number' && typeof kb === 'number' && k !== kb) this.add(graph, node, `input B ${show(1)} does not fit input A ${show(0)}: inner dims ${k} and ${kb} differ`, { value: node.inputs[1] });
    }
    if (node.opType === 'Gemm') {
      const a = shape(0);
      const b = shape(1);
      if (a?.length !== 2 || b?.length !== 2) return;
      const k = a[node.attribute('transA')?.i ? 0 : 1];
      const kb = b[node.attribute('transB')?.i ? 1 : 0];
      if (typeof k === 'number' && typeof kb === 'number' && k !== kb) this.add(graph, node, `input B ${show(1)} does not fit input A ${show(0)}: inner dims ${k} and ${kb} differ`, { value: node.inputs[1] });
    }
    if (node.opType === 'Conv') {
      // X is [N, C, ...], W is [M, C/group, ...].
      const x = shape(0);
      const w = shape(1);
      const group = Number(node.attribute('group')?.i ?? 1);
      if (!x || !w || x.length < 2 || w.length < 2) return;
      if (x.length !== w.length) this.add(graph, node, `input W ${show(1)} does not fit input X ${show(0)}: ranks ${w.length} and ${x.length} differ`, { value: node.inputs[1] });
      else if (typeof x[1] === 'number' && typeof w[1] === 'number' && x[1] !== w[1] * group) {
        this.add(graph, node, `input W ${show(1)} does not fit input X ${show(0)}: ${x[1]} input channels, W takes ${w[1]}${group > 1 ? ` × group ${group}` : ''}`, { value: node.inputs[1] });
      }
    }
    if (node.opType === 'Concat') {
      // Same rank, and the same dims but on the axis.
      const axisAttr = node.attribute('axis')?.i;
      const given = node.inputs.map((v, i) => (v ? shape(i) : undefined));
      const first = given.findIndex((g) => g !== undefined);
      if (first < 0 || axisAttr === undefined) return;
      const rank = given[first]!.length;
      const axis = Number(axisAttr) < 0 ? Number(axisAttr) + rank : Number(axisAttr);
      for (let i = first + 1; i < given.length; i++) {
        const g = given[i];
        if (!g) continue;
        const differs = g.length !== rank ? -1 : g.findIndex((d, k) => k !== axis && typeof d === 'number' && typeof given[first]![k] === 'number' && d !== given[first]![k]);
        if (differs === -1 && g.length === rank) continue;
        const why = g.length !== rank ? `ranks ${g.length} and ${rank} differ` : `dim ${differs} is ${g[differs]} against ${given[first]![differs]}`;
        this.add(graph, node, `input ${show(i)} does not fit ${show(first)} along axis ${axis}: ${why}`, { value: node.inputs[i] });
        return;
      }
    }
  }
}

/**
 * The problems of a model: nodes inference rejects, declared types that contradict inferred ones,
 * and (where the operator schemas cover the domain) unknown operators and attributes, missing
 * required attributes, attribute and input types the schema does not allow, and shapes that do
 * not fit each other (broadcasting, matrix inner dims).
 */
export function checkNodes(model: IrModel, inference: ShapeInference = inferShapes(model)): NodeProblem[] {
  const checker = new Checker(model, inference);
  for (const g of allGraphs(model.graph)) for (const n of g.nodes) checker.checkNode(g, n);
  // What inference then says about a node already found wrong is a consequence, not news.
  const wrong = new Set(checker.problems.map((p) => p.node));
  for (const f of inference.failures) if (!wrong.has(f.node)) checker.problems.push({ graph: f.graph, node: f.node, message: f.message });
  for (const c of inference.conflicts) {
    const producer = c.graph.producer(c.value);
    if (producer && wrong.has(producer)) continue;
    checker.problems.push({ graph: c.graph, ...(producer ? { node: producer } : {}), value: c.value, message: c.message });
  }
  return checker.problems;
}
