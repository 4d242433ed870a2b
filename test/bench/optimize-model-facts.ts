// What the optimizer benchmark reads off a model file, whoever wrote it: node counts (main graph
// and with subgraphs), operators outside the standard domains, and whether the graph's inputs
// and outputs kept their symbolic dims.

import { readFile } from 'node:fs/promises';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto, ModelProto, ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';

export interface ModelFacts {
  nodes: number;
  mainNodes: number;
  /** Node counts per non-standard domain (com.microsoft, com.microsoft.nchwc, ...). */
  customOps: Record<string, number>;
  /** Node counts per operator (domain-qualified outside the standard ones), subgraphs included. */
  ops: Record<string, number>;
  /** Runtime inputs and outputs: name → dims, a dim as its number, its symbol, or '?'. */
  inputs: Map<string, string[]>;
  outputs: Map<string, string[]>;
}

const STANDARD = new Set(['', 'ai.onnx', 'ai.onnx.ml']);

function* graphsOf(g: GraphProto): Generator<GraphProto> {
  yield g;
  for (const n of g.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (a.g) yield* graphsOf(a.g);
      for (const s of a.graphs ?? []) yield* graphsOf(s);
    }
  }
}

function dimsOf(v: ValueInfoProto): string[] {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return ['(no shape)'];
  return (shape.dim ?? []).map((d) => (d.dimValue !== undefined ? String(d.dimValue) : d.dimParam ? d.dimParam : '?'));
}

/** Facts of a decoded model. */
export function modelFacts(m: ModelProto): ModelFacts {
  const g = m.graph ?? {};
  let nodes = 0;
  const customOps: Record<string, number> = {};
  const ops: Record<string, number> = {};
  for (const sg of graphsOf(g)) {
    for (const n of sg.node ?? []) {
      nodes++;
      const d = n.domain ?? '';
      if (!STANDARD.has(d)) customOps[d] = (customOps[d] ?? 0) + 1;
      const key = STANDARD.has(d) ? (n.opType ?? '') : `${d}:${n.opType ?? ''}`;
      ops[key] = (ops[key] ?? 0) + 1;
    }
  }
  return {
    nodes,
    mainNodes: g.node?.length ?? 0,
    customOps,
    ops,
    inputs: new Map(runtimeInputs(g).map((v) => [v.name ?? '', dimsOf(v)])),
    outputs: new Map((g.output ?? []).map((v) => [v.name ?? '', dimsOf(v)])),
  };
}

/** Facts of a model file. */
export async function modelFileFacts(path: string): Promise<ModelFacts> {
  return modelFacts(decodeModel(await readFile(path), path));
}

const isNumber = (d: string): boolean => /^\d+$/.test(d);

/**
 * Interface problems of `candidate` against `original`: a dynamic dim that became a number
 * ("frozen": any non-numeric input dim, a named output dim; an unknown output dim may rightly be
 * inferred), a rank change, a missing input or output. Empty when none.
 */
export function interfaceProblems(original: ModelFacts, candidate: ModelFacts): string[] {
  const problems: string[] = [];
  const check = (kind: string, a: Map<string, string[]>, b: Map<string, string[]>) => {
    for (const [name, dims] of a) {
      const other = b.get(name);
      if (!other) {
        problems.push(`${kind} '${name}' missing`);
        continue;
      }
      if (dims[0] === '(no shape)' || other[0] === '(no shape)') continue;
      if (dims.length !== other.length) {
        problems.push(`${kind} '${name}' rank ${dims.length} → ${other.length}`);
        continue;
      }
      // An input's unknown dim is dynamic as declared; an output's may just have been inferred.
      const frozen = dims.flatMap((d, i) => (!isNumber(d) && isNumber(other[i]!) && (kind === 'input' || d !== '?') ? [`${d}→${other[i]}`] : []));
      if (frozen.length) problems.push(`${kind} '${name}' frozen dims ${frozen.join(', ')}`);
    }
  };
  check('input', original.inputs, candidate.inputs);
  check('output', original.outputs, candidate.outputs);
  return problems;
}
