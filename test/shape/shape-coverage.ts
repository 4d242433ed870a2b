// Measures shape inference against the ONNX conformance suite: each model is stripped of its
// value_info and of its outputs' types (graph inputs keep theirs), inferred, and the inferred type
// and shape of every graph output compared with the reference output's data type and dims.
// Shared by test/shape/conformance-coverage.test.ts and scripts/shape-coverage.ts.

import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { AttributeProto, GraphProto, ModelProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { inferShapes } from '../../shared/shape/infer.js';
import { optionalOf, sequenceOf, tensorOf, typeToString, type ValueType } from '../../shared/shape/types.js';
import { ElemType, elemTypeName } from '../../shared/onnx/element-types.js';
import { decodePbValue, listCases, readBytes, runtimeInputs, type CaseGroup, type ConformanceCase, type PbValue } from '../conformance/conformance-data.js';

export const GROUPS: readonly CaseGroup[] = ['node', 'simple', 'pytorch-converted', 'pytorch-operator', 'light'];

export interface CaseResult {
  group: CaseGroup;
  name: string;
  matched: boolean;
  /** Why not, one line per problem. */
  problems: string[];
  /** Operators without a rule in this model ('domain:Op', '' domain written as just 'Op'). */
  unhandled: string[];
}

export interface CoverageReport {
  /** Whether the test inputs' values were given to inference (shape inputs such as Reshape's target). */
  withInputValues: boolean;
  byGroup: Map<CaseGroup, { matched: number; total: number }>;
  results: CaseResult[];
  /** Operator → number of models that use it without a rule. */
  unhandledOps: Map<string, number>;
}

function stripAttribute(a: AttributeProto): AttributeProto {
  if (!a.g && !a.graphs) return a;
  const copy = { ...a };
  if (a.g) copy.g = stripGraph(a.g);
  if (a.graphs) copy.graphs = a.graphs.map(stripGraph);
  return copy;
}

function stripGraph(g: GraphProto): GraphProto {
  const { valueInfo: _valueInfo, ...rest } = g;
  const out: GraphProto = { ...rest };
  if (g.output) out.output = g.output.map((o) => ({ name: o.name ?? '' }));
  if (g.node) out.node = g.node.map((n) => (n.attribute ? { ...n, attribute: n.attribute.map(stripAttribute) } : n));
  return out;
}

/** The model without value_info and output types, in every graph (inputs keep their types). */
export function stripTypes(model: ModelProto): ModelProto {
  return { ...model, graph: stripGraph(model.graph!) };
}

function tensorMatches(t: ValueType | undefined, ref: TensorProto): string | undefined {
  const want = `${elemTypeName(ref.dataType ?? 0)}[${(ref.dims ?? []).map(Number).join(',')}]`;
  if (t?.kind !== 'tensor') return `inferred ${typeToString(t)}, reference ${want}`;
  const dims = (ref.dims ?? []).map(Number);
  // The suite's generator (numpy, no bfloat16) stores bfloat16 results as uint16 bit patterns.
  const sameType = t.elemType === ref.dataType || (t.elemType === ElemType.BFLOAT16 && ref.dataType === ElemType.UINT16);
  const ok = sameType && t.shape !== null && t.shape.length === dims.length && t.shape.every((d, i) => d === dims[i]);
  return ok ? undefined : `inferred ${typeToString(t)}, reference ${want}`;
}

interface SequenceMessage {
  elemType?: number;
  tensorValues?: TensorProto[];
}

interface OptionalMessage {
  elemType?: number;
  tensorValue?: TensorProto;
  sequenceValue?: SequenceMessage;
}

function sequenceMatches(t: ValueType | undefined, ref: SequenceMessage): string | undefined {
  const values = ref.tensorValues ?? [];
  if (t?.kind !== 'sequence') return `inferred ${typeToString(t)}, reference a sequence of ${values.length} tensors`;
  if (t.items) {
    if (t.items.length !== values.length) return `inferred ${t.items.length} items, reference ${values.length}`;
    for (const [i, v] of values.entries()) {
      const p = tensorMatches(t.items[i], v);
      if (p) return `item ${i}: ${p}`;
    }
    return undefined;
  }
  if (values.length === 0) return t.elem?.kind === 'tensor' && t.elem.elemType === ref.elemType ? undefined : `empty sequence, inferred ${typeToString(t)}`;
  for (const [i, v] of values.entries()) {
    const p = tensorMatches(t.elem, v);
    if (p) return `item ${i}: ${p} (items not tracked)`;
  }
  return undefined;
}

function valueMatches(t: ValueType | undefined, ref: PbValue): string | undefined {
  if (ref.kind === 'tensor') return tensorMatches(t, ref.tensor);
  if (ref.kind === 'sequence') return sequenceMatches(t, ref.message as SequenceMessage);
  if (ref.kind === 'optional') {
    const m = ref.message as OptionalMessage;
    if (t?.kind !== 'optional') return `inferred ${typeToString(t)}, reference an optional`;
    if (m.tensorValue) return tensorMatches(t.elem, m.tensorValue);
    if (m.sequenceValue) return sequenceMatches(t.elem, m.sequenceValue);
    return t.elem ? undefined : 'empty optional, element type not inferred';
  }
  return `reference is a ${ref.kind}`;
}

function tensorTypeOf(t: TensorProto): ValueType {
  return tensorOf(t.dataType ?? 0, (t.dims ?? []).map(Number));
}

function sequenceTypeOf(m: SequenceMessage): ValueType {
  const items = (m.tensorValues ?? []).map(tensorTypeOf);
  return sequenceOf(items[0] ?? tensorOf(m.elemType ?? 0, null), items);
}

/** The exact type of a sequence or optional value read from a .pb file. */
function typeOfValue(v: PbValue): ValueType | undefined {
  if (v.kind === 'sequence') return sequenceTypeOf(v.message as SequenceMessage);
  if (v.kind === 'optional') {
    const m = v.message as OptionalMessage;
    if (m.tensorValue) return optionalOf(tensorTypeOf(m.tensorValue));
    if (m.sequenceValue) return optionalOf(sequenceTypeOf(m.sequenceValue));
  }
  return undefined;
}

/** Infers one case (every data set) and compares its outputs with the references. */
export function measureCase(c: ConformanceCase, withInputValues: boolean): CaseResult {
  const result: CaseResult = { group: c.group, name: c.name, matched: false, problems: [], unhandled: [] };
  try {
    const original = decodeModel(readBytes(c.modelPath), c.name);
    const graph = original.graph!;
    const model = new IrModel(stripTypes(original));
    const inputs = runtimeInputs(graph);
    for (const ds of c.dataSets) {
      const inputValues: Record<string, TensorProto> = {};
      const inputDims: Record<string, number> = {};
      const inputTypes: Record<string, ValueType> = {};
      ds.inputs.forEach((p, k) => {
        const vi = inputs[k];
        if (!vi?.name) return;
        const v = decodePbValue(readBytes(p), vi.type, p);
        if (v.kind !== 'tensor') {
          // A sequence or optional input's value tells its items' types.
          const t = withInputValues ? typeOfValue(v) : undefined;
          if (t) inputTypes[vi.name] = t;
          return;
        }
        if (withInputValues) inputValues[vi.name] = v.tensor;
        // Symbolic input dims take the sizes this data set has.
        (vi.type?.tensorType?.shape?.dim ?? []).forEach((d, i) => {
          if (d.dimParam && v.tensor.dims?.[i] !== undefined) inputDims[d.dimParam] = Number(v.tensor.dims[i]);
        });
      });
      const inference = inferShapes(model, { inputValues, inputDims, inputTypes });
      result.unhandled = inference.unhandled.map((u) => (u.domain ? `${u.domain}:${u.opType}` : u.opType));
      for (const f of inference.failures) result.problems.push(`failure: ${f.message}`);
      ds.outputs.forEach((p, k) => {
        const out = graph.output?.[k];
        const ref = decodePbValue(readBytes(p), out?.type, p);
        const problem = valueMatches(inference.typeOf(model.graph, out?.name ?? ''), ref);
        if (problem) result.problems.push(`output '${out?.name}': ${problem}`);
      });
    }
    if (result.unhandled.length) result.problems.unshift(`no rule for ${result.unhandled.join(', ')}`);
    result.matched = !result.problems.some((p) => p.startsWith('output '));
  } catch (e) {
    result.problems.push(`error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return result;
}

/** Measures every case of the suite. */
export function measureCoverage(withInputValues: boolean, cases: readonly ConformanceCase[] = listCases()): CoverageReport {
  const byGroup = new Map<CaseGroup, { matched: number; total: number }>(GROUPS.map((g) => [g, { matched: 0, total: 0 }]));
  const unhandledOps = new Map<string, number>();
  const results = cases.map((c) => measureCase(c, withInputValues));
  for (const r of results) {
    const g = byGroup.get(r.group)!;
    g.total++;
    if (r.matched) g.matched++;
    for (const op of r.unhandled) unhandledOps.set(op, (unhandledOps.get(op) ?? 0) + 1);
  }
  return { withInputValues, byGroup, results, unhandledOps };
}

function pct(m: { matched: number; total: number }): string {
  return `${m.matched}/${m.total} = ${m.total ? ((100 * m.matched) / m.total).toFixed(1) : '0.0'}%`;
}

/** One line: node x/y = %, then each multi-node folder. */
export function coverageLine(r: CoverageReport): string {
  const parts = GROUPS.map((g) => `${g} ${pct(r.byGroup.get(g)!)}`);
  return `shape coverage (${r.withInputValues ? 'test input values known' : 'input types only'}): ${parts.join(', ')}`;
}

/** The full report: coverage, unhandled operators, and each unmatched case with its reasons. */
export function formatReport(r: CoverageReport): string {
  const lines = [coverageLine(r)];
  const ops = [...r.unhandledOps].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  lines.push(`operators without a rule: ${ops.length ? ops.map(([op, n]) => `${op} (${n})`).join(', ') : 'none'}`);
  const unmatched = r.results.filter((x) => !x.matched);
  lines.push(`unmatched cases (${unmatched.length}):`);
  for (const x of unmatched) lines.push(`  ${x.group}/${x.name}: ${x.problems.join('; ')}`);
  return lines.join('\n');
}
