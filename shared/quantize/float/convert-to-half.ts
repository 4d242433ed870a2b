import { WorkbenchError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import type { NodeId } from '../../ir/journal.js';
import { allGraphs, type IrModel } from '../../ir/model.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';
import { AttrType, type AttributeProto, type TensorProto } from '../../onnx/proto-types.js';
import type { ValueFacts } from '../../rewrite/value-facts.js';
import { syncInitializerInputs } from '../initializer-inputs.js';
import { FreshNames } from './fresh-names.js';
import type { HalfFormat } from './half-format.js';
import { isFloat32Tensor, toHalfTensor } from './half-tensor.js';
import { inputRule } from './op-rules.js';
import { shapeComputations } from './shape-computations.js';

// Converting float32 computations of every graph to float16 or bfloat16. Each float32 value
// ends up with one precision: half where its producer is converted (or it is a weight that only
// converted nodes read), float32 otherwise. Where a reader needs the other precision a Cast is
// inserted, one per value and direction; the original name always keeps the float32 version
// when anything outside converted nodes reads it (graph outputs, subgraphs, float32 nodes), so
// the model's inputs and outputs keep their types and subgraph bodies need no renaming.

/** What to convert. */
export interface HalfConversionOptions {
  format: HalfFormat;
  /** Operator types left in float32. */
  blockOps: ReadonlySet<string>;
  /** Names of nodes left in float32 (each must exist). */
  blockNodes: readonly string[];
  /** Only these nodes are converted; undefined: the whole model. */
  scope: ReadonlySet<NodeId> | undefined;
  /**
   * A node with a constant input beyond the format's range: 'keep' leaves it in float32 (its
   * weights exact), 'clamp' converts it with those values clamped to ±max.
   */
  outOfRange: 'keep' | 'clamp';
}

/** What the conversion did. */
export interface HalfConversionReport {
  convertedNodes: number;
  /** Nodes with float32 values left in float32 (blocked, shape arithmetic, unknown types, outside the selection). */
  keptNodes: number;
  convertedWeights: number;
  /** Weight values beyond the format's range, clamped to its largest finite value. */
  clamped: number;
  /** Ids of the (non-Constant) nodes converted, in graph order. */
  convertedIds: NodeId[];
  /** Nodes left in float32 because a constant input of theirs exceeds the format's range (outOfRange 'keep'). */
  keptForRange: number;
  /** Nonzero weight values too small for the format (now 0). */
  flushed: number;
  castsInserted: number;
}

const F32 = ElemType.FLOAT;

type Need = 'half' | 'float' | 'any';
interface Read {
  node: IrNode;
  index: number;
  need: Need;
}

/** The float32 tensor of a Constant node, in whichever attribute holds it; undefined when it holds something else. */
function constantTensor(n: IrNode): TensorProto | undefined {
  const a = n.attributes[0];
  if (n.attributes.length !== 1 || !a) return undefined;
  if (a.name === 'value' && isFloat32Tensor(a.t)) return a.t;
  if (a.name === 'value_float') return { dataType: F32, rawData: new Uint8Array(new Float32Array([a.f ?? 0]).buffer) };
  if (a.name === 'value_floats') return { dataType: F32, dims: [a.floats?.length ?? 0], rawData: new Uint8Array(new Float32Array(a.floats ?? []).buffer) };
  return undefined;
}

function tensorAttribute(name: string, t: TensorProto): AttributeProto {
  return { name, type: AttrType.TENSOR, t };
}

/** Converts every graph of the model in place, subgraph bodies included (its edits go to the caller's transaction). */
export function convertToHalf(model: IrModel, facts: ValueFacts, options: HalfConversionOptions): HalfConversionReport {
  const names = new FreshNames(model);
  const report: HalfConversionReport = { convertedIds: [], convertedNodes: 0, keptNodes: 0, convertedWeights: 0, clamped: 0, keptForRange: 0, flushed: 0, castsInserted: 0 };
  const graphs = [...allGraphs(model.graph)];
  const blockedNames = new Set(options.blockNodes);
  const byName = new Set(graphs.flatMap((g) => [...g.nodes].map((n) => n.name)));
  for (const name of blockedNames) {
    if (!byName.has(name)) throw new WorkbenchError('BAD_OPTION', `blockNodes: no node named "${name}" in the model`);
  }
  // Types are read before anything changes (inference is cached), so every graph sees the model as it was.
  for (const g of graphs) convertGraph(model, g, facts, options, { names, report, blockedNames });
  return report;
}

interface ConversionState {
  names: FreshNames;
  report: HalfConversionReport;
  blockedNames: ReadonlySet<string>;
}

// One graph: its outputs and formal inputs keep float32 (an If's branches must agree with the
// If, a Loop body's carried values with the Loop), values it reads from enclosing graphs are
// float32 there (their converted producers keep the float32 name for subgraph readers).
function convertGraph(model: IrModel, g: Graph, facts: ValueFacts, options: HalfConversionOptions, state: ConversionState): void {
  const { format } = options;
  const { names, report, blockedNames } = state;
  const typeOf = (v: string): number | undefined => (v === '' ? undefined : facts.tensor(g, v)?.elemType);
  const isConstant = (v: string): boolean => facts.constant(g, v) !== undefined;

  const shapeNodes = shapeComputations(g, typeOf, isConstant);
  const touchesFloat = (n: IrNode): boolean =>
    n.outputs.some((v) => typeOf(v) === F32) || n.inputs.some((v, i) => typeOf(v) === F32 && inputRule(n.opType, i) !== 'any');
  // Whether a node reads a float32 constant holding a finite value the format cannot.
  const readsOutOfRange = (n: IrNode): boolean =>
    n.inputs.some((v) => {
      const t = v ? facts.constant(g, v) : undefined;
      const values = t && isFloat32Tensor(t) ? facts.values(t) : undefined;
      return values instanceof Float32Array && values.some((x) => Math.abs(x) > format.max && Math.abs(x) !== Infinity);
    });
  const convert = new Set<IrNode>();
  for (const n of g.nodes) {
    if (n.opType === 'Constant' && n.inDefaultDomain) continue; // decided by its readers below
    if (!touchesFloat(n)) continue;
    const allTyped = [...n.inputs, ...n.outputs].every((v) => v === '' || typeOf(v) !== undefined);
    const eligible =
      n.inDefaultDomain &&
      n.subgraphs.length === 0 &&
      allTyped &&
      !options.blockOps.has(n.opType) &&
      !blockedNames.has(n.name) &&
      !shapeNodes.has(n) &&
      (!options.scope || options.scope.has(n.id));
    if (eligible && options.outOfRange === 'keep' && readsOutOfRange(n)) {
      report.keptForRange++;
      report.keptNodes++;
    } else if (eligible) convert.add(n);
    else report.keptNodes++;
  }

  const needOf = (node: IrNode, index: number): Need => {
    const rule = inputRule(node.opType, index);
    if (rule === 'any') return 'any';
    return convert.has(node) && rule === 'half' ? 'half' : 'float';
  };
  const readsOf = (v: string): Read[] => {
    const reads: Read[] = [];
    for (const node of g.consumers(v)) node.inputs.forEach((x, index) => x === v && reads.push({ node, index, need: needOf(node, index) }));
    return reads;
  };
  const readOutside = (v: string): boolean => g.isGraphOutput(v) || g.subgraphReaders(v).length > 0;
  // A weight (initializer or Constant) goes to half when converted nodes are all that read it.
  const onlyHalfReaders = (v: string, reads: readonly Read[]): boolean =>
    !readOutside(v) && reads.some((r) => r.need === 'half') && reads.every((r) => r.need !== 'float');

  // Every float32 value of the graph (and those it reads from enclosing ones) with its readers, read before anything changes.
  const values = new Map<string, Read[]>();
  const note = (v: string): void => {
    if (v !== '' && !values.has(v) && typeOf(v) === F32) values.set(v, readsOf(v));
  };
  for (const i of g.inputs) note(i.name ?? '');
  for (const k of g.initializers.keys()) note(k);
  for (const n of g.nodes) n.outputs.forEach(note);
  for (const n of g.nodes) for (const v of n.inputs) if (v !== '' && !g.defines(v)) note(v);

  const halfValues = new Set<string>();
  for (const n of convert) for (const v of n.outputs) if (values.has(v)) halfValues.add(v);

  // Constants and initializers.
  const halfTensor = (t: TensorProto, name: string): TensorProto | undefined => {
    const decoded = facts.values(t);
    if (!(decoded instanceof Float32Array)) return undefined; // external data the host has not loaded
    const { tensor, report: r } = toHalfTensor(t, decoded, format);
    report.clamped += r.clamped;
    report.flushed += r.flushed;
    report.convertedWeights++;
    return { ...tensor, name };
  };
  for (const n of [...g.nodes]) {
    if (n.opType !== 'Constant' || !n.inDefaultDomain) continue;
    const v = n.outputs[0] ?? '';
    const t = constantTensor(n);
    const reads = values.get(v);
    // A Constant follows its readers, selected or not: it is a weight, converted when only converted nodes read it.
    if (!t || !reads || !onlyHalfReaders(v, reads) || blockedNames.has(n.name)) continue;
    const { name: _n, ...half } = halfTensor(t, '') ?? {};
    if (!half.dataType) continue;
    for (const a of n.attributes) g.removeAttribute(n, a.name ?? '');
    g.setAttribute(n, tensorAttribute('value', half));
    halfValues.add(v);
    report.convertedNodes++;
  }
  const retypedInits: TensorProto[] = [];
  for (const [name, t] of [...g.initializers]) {
    const reads = values.get(name);
    // An initializer callers may override (a graph input too, from IR version 4) is an input.
    if (!reads || !isConstant(name) || !isFloat32Tensor(t) || !onlyHalfReaders(name, reads)) continue;
    const half = halfTensor(t, name);
    if (!half) continue;
    g.removeInitializer(name);
    g.addInitializer(half);
    retypedInits.push(half);
    halfValues.add(name);
  }
  if (g === model.graph) syncInitializerInputs(model, retypedInits);

  // Casts where a reader needs the other precision.
  const cast = (from: string, to: string, type: number, like: string): void => {
    g.addNode({ opType: 'Cast', name: names.take(`${like}_cast`), inputs: [from], outputs: [to], attributes: [{ name: 'to', type: AttrType.INT, i: type }] });
    report.castsInserted++;
  };
  const retyped: string[] = [];
  for (const [v, reads] of values) {
    if (halfValues.has(v)) {
      const producer = g.producer(v);
      const floatReads = reads.filter((r) => r.need === 'float');
      if (producer && (floatReads.length || readOutside(v))) {
        const vh = names.take(`${v}${format.suffix}`);
        g.setOutput(producer, producer.outputs.indexOf(v), vh);
        cast(vh, v, F32, v);
        for (const r of reads) if (r.need !== 'float') g.setInput(r.node, r.index, vh);
      } else retyped.push(v);
    } else {
      const halfReads = reads.filter((r) => r.need === 'half');
      if (!halfReads.length) continue;
      const vh = names.take(`${v}${format.suffix}`);
      cast(v, vh, format.elemType, v);
      for (const r of halfReads) g.setInput(r.node, r.index, vh);
    }
  }

  // Operators whose output type an attribute sets.
  for (const n of convert) {
    if (n.opType === 'Cast' && Number(n.attribute('to')?.i) === F32) g.setAttribute(n, { name: 'to', type: AttrType.INT, i: format.elemType });
    if (n.opType === 'ConstantOfShape') {
      const t = n.attribute('value')?.t ?? { dataType: F32, dims: [1], rawData: new Uint8Array(4) };
      const half = isFloat32Tensor(t) ? halfTensor(t, t.name ?? '') : undefined;
      if (half) g.setAttribute(n, tensorAttribute('value', half));
    }
  }
  report.convertedNodes += convert.size;
  report.convertedIds.push(...[...convert].map((n) => n.id));
  // Their old float32 annotations would contradict the new types.
  g.removeValueInfos(retyped.filter((v) => g.valueInfo(v)));
}
