import { WorkbenchError } from '../errors.js';
import { allGraphs, IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { validateGraph } from '../ir/validate.js';
import type { FunctionProto, ModelProto, NodeProto } from '../onnx/proto-types.js';
import type { NodeProblem } from '../shape/check-nodes.js';
import type { TextError } from './parse-cursor.js';
import { nodePaths, structureError } from './parse-ir.js';
import { baselineProblems, newProblems, placeProblems } from './text-problems.js';
import { inferShapes } from '../shape/infer.js';
import type { TextSpan } from './text-map.js';

// Checks of the model-local functions an edited text changes, before they replace the model's:
// one definition per (domain, name, overload); each body (all of them once one changed: a body
// may call one whose signature changed) as a graph of its own (its inputs, its nodes' outputs) holds together (every name it reads is defined in it, each value
// produced once, no cycle); its nodes' domains are among the function's opset_import and its ops
// are in those opsets as the schemas have them; an attribute reference (`@name`) names an
// attribute of the function; no call is left to a function the text removed. Problems the
// function already had are left out, as for the graph.

const keyOf = (f: FunctionProto) => `${f.domain ?? ''}\u0000${f.name ?? ''}\u0000${f.overload ?? ''}`;
const titleOf = (f: FunctionProto) => `${f.domain ? `${f.domain}.` : ''}${f.name ?? ''}`;
const canonical = (domain: string) => (domain === 'ai.onnx' ? '' : domain);

/** The function's body as a model of its own, in the function's opsets (the model's where it names none). */
function bodyModel(f: FunctionProto, model: ModelProto): IrModel {
  const named = (names: string[] | undefined) => (names ?? []).map((name) => ({ name }));
  const opsetImport = f.opsetImport?.length ? f.opsetImport : model.opsetImport;
  return new IrModel(
    { irVersion: model.irVersion, opsetImport, functions: model.functions, graph: { name: f.name, node: f.node, input: named(f.input), output: named(f.output), valueInfo: f.valueInfo } },
    { validate: false },
  );
}

/** validateGraph's message on a function's body; undefined when it holds (or does not build). */
function structureOf(f: FunctionProto, model: ModelProto): string | undefined {
  try {
    validateGraph(bodyModel(f, model).graph);
    return undefined;
  } catch (e) {
    return e instanceof WorkbenchError ? e.message : undefined;
  }
}

/** Domains imported for a function, and that its nodes' references name its attributes. */
function ownProblems(f: FunctionProto, body: IrModel, model: ModelProto): NodeProblem[] {
  const out: NodeProblem[] = [];
  const imported = new Set((f.opsetImport?.length ? f.opsetImport : model.opsetImport ?? []).map((o) => canonical(o.domain ?? '')));
  const local = new Set((model.functions ?? []).map((g) => `${g.domain ?? ''}:${g.name ?? ''}`));
  const attributes = new Set([...(f.attribute ?? []), ...(f.attributeProto ?? []).map((a) => a.name ?? '')]);
  for (const graph of allGraphs(body.graph)) {
    for (const node of graph.nodes) {
      const domain = canonical(node.domain);
      if (!imported.has(domain) && !local.has(`${node.domain}:${node.opType}`)) {
        out.push({ graph, node, message: `${node.label}: the domain ${domain ? `"${domain}"` : '"" (ONNX)'} is not in the opset_import of function ${titleOf(f)}` });
      }
      for (const a of node.attributes) {
        if (a.refAttrName && !attributes.has(a.refAttrName)) {
          out.push({ graph, node, attribute: a.name ?? '', message: `${node.label}: attribute "${a.name ?? ''}" refers to @${a.refAttrName}, which function ${titleOf(f)} does not declare` });
        }
      }
    }
  }
  return out;
}

/** The spans of function `index`'s nodes, with the ids of the body model's nodes. */
function bodySpans(spans: readonly TextSpan[], fn: TextSpan, body: IrModel): TextSpan[] {
  const byPath = new Map<string, IrNode>();
  nodePaths(body.graph, fn.path, byPath);
  return spans
    .filter((s) => s.kind === 'node' && s.startLine >= fn.startLine && s.endLine <= fn.endLine)
    .map((s) => (byPath.has(s.path) ? { ...s, id: byPath.get(s.path)!.id } : s));
}

/** Calls (in the graph, its subgraphs or a function) of a local function the text no longer defines, at the call. */
function removedCalls(next: ModelProto, before: ModelProto, spans: readonly TextSpan[]): TextError[] {
  const defined = new Set((next.functions ?? []).map(keyOf));
  const gone = new Map((before.functions ?? []).filter((f) => !defined.has(keyOf(f))).map((f) => [keyOf(f), f]));
  if (!gone.size) return [];
  const byPath = new Map<string, TextSpan>();
  for (const s of spans) if (s.kind === 'node' && !byPath.has(s.path)) byPath.set(s.path, s);
  const errors: TextError[] = [];
  const visit = (nodes: readonly NodeProto[] | undefined, prefix: string) =>
    (nodes ?? []).forEach((n, i) => {
      const path = `${prefix}${i}`;
      const f = gone.get(keyOf({ domain: n.domain ?? '', name: n.opType ?? '', overload: n.overload ?? '' }));
      if (f) errors.push({ line: byPath.get(path)?.startLine ?? 1, column: 1, message: `node "${n.name || n.opType}" calls the local function ${titleOf(f)}, which the text no longer defines` });
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g.node, `${path}/${a.name ?? ''}/`);
        (a.graphs ?? []).forEach((g, j) => visit(g.node, `${path}/${a.name ?? ''}.${j}/`));
      }
    });
  visit(next.graph?.node, '');
  for (const f of next.functions ?? []) visit(f.node, `fn:${f.domain ? `${f.domain}.` : ''}${f.name ?? ''}/`);
  return errors;
}

/**
 * The problems of the functions of `next` (a parsed text; `spans` its spans) that those of
 * `before` (the open model) did not have, at their line and column; [] when they hold. Called when
 * the text changes some function.
 */
export function functionProblems(next: ModelProto, before: ModelProto, spans: readonly TextSpan[], source: string): TextError[] {
  const fnSpans = spans.filter((s) => s.kind === 'function');
  const functions = next.functions ?? [];
  const old = new Map((before.functions ?? []).map((f) => [keyOf(f), f]));
  const seen = new Set<string>();
  const errors = removedCalls(next, before, spans);
  functions.forEach((f, i) => {
    const span = fnSpans[i];
    const line = span?.startLine ?? 1;
    const key = keyOf(f);
    if (seen.has(key)) {
      errors.push({ line, column: 1, message: `function ${titleOf(f)}${f.overload ? `:${f.overload}` : ''} is defined twice` });
      return;
    }
    seen.add(key);
    const was = old.get(key);
    // Every function is checked once any changed: an unchanged body may call one whose signature did.
    if (!span) return;
    let body: IrModel;
    try {
      body = bodyModel(f, next);
    } catch (e) {
      if (!(e instanceof WorkbenchError)) throw e;
      errors.push({ line, column: 1, message: `function ${titleOf(f)}: ${e.message}` });
      return;
    }
    const mine = bodySpans(spans, span, body);
    try {
      validateGraph(body.graph);
    } catch (e) {
      if (!(e instanceof WorkbenchError)) throw e;
      if (was && structureOf(was, before) === e.message) return; // broken as it was read: not this edit's fault
      const at = structureError(body.graph, mine, source, e.message);
      errors.push({ ...at, message: `function ${titleOf(f)}: ${e.message.replace(/^graph "[^"]*": /, '')}` });
      return;
    }
    let baseline = new Set<string>();
    if (was) {
      try {
        const earlier = bodyModel(was, before);
        baseline = baselineProblems(earlier, inferShapes(earlier));
      } catch {
        // The old body did not build: every problem of the new one counts.
      }
    }
    const problems = [...ownProblems(f, body, next), ...newProblems(body, baseline)];
    for (const e of placeProblems(problems, mine, source)) errors.push({ ...e, message: `function ${titleOf(f)}: ${e.message}` });
  });
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}
