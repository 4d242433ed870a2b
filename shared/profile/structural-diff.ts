// What changed between A and B as graphs: nodes added, removed and changed (by the matching of
// B's nodes to A's), parameter counts and file sizes.

import type { AttributeProto } from '../onnx/proto-types.js';
import type { Correspondence } from './graph-correspondence.js';
import { isConstantNode, type GraphIndex, type IndexedNode } from './graph-index.js';
import type { StructuralDiff } from './report-schema.js';

// Enough of an attribute to tell a change: scalars and lists by value, tensors by type, shape and size.
function attrSignature(a: AttributeProto): string {
  const t = a.t ? `${a.t.dataType}:${(a.t.dims ?? []).join('x')}:${a.t.rawData?.length ?? ''}` : '';
  const strings = (a.strings ?? []).map((s) => new TextDecoder().decode(s)).join(',');
  return [a.name, a.type, a.f, a.i === undefined ? '' : String(a.i), a.s ? new TextDecoder().decode(a.s) : '', (a.floats ?? []).join(','), (a.ints ?? []).map(String).join(','), strings, t, a.g ? 'g' : ''].join('|');
}

function same(a: IndexedNode, b: IndexedNode): boolean {
  if (a.opType !== b.opType || a.domain !== b.domain) return false;
  if (a.inputs.join() !== b.inputs.join() || a.outputs.join() !== b.outputs.join()) return false;
  const sa = a.attributes.map(attrSignature).sort().join('\n');
  const sb = b.attributes.map(attrSignature).sort().join('\n');
  return sa === sb;
}

export interface DiffFacts {
  parametersA: number;
  parametersB: number;
  fileSizeA: number;
  fileSizeB: number;
}

/** Nodes added (B nodes tied to no A node), removed (A nodes no B node computes; constants counted apart) and changed. */
export function structuralDiff(a: GraphIndex, b: GraphIndex, corr: Correspondence, facts: DiffFacts): StructuralDiff {
  const covered = new Set<number>();
  const added: string[] = [];
  const changed: string[] = [];
  const fused: string[] = [];
  corr.groups.forEach((g, bId) => {
    const bn = b.nodes[bId]!;
    for (const id of g.original) covered.add(id);
    if (g.original.length > 1) fused.push(...g.original.map((id) => a.nodes[id]!.name).filter((n) => n !== bn.name));
    if (!g.original.length) added.push(bn.name);
    else if (g.original.length > 1 || !same(a.nodes[g.original[0]!]!, bn)) changed.push(bn.name);
  });
  const gone = a.nodes.filter((n) => !covered.has(n.id));
  const removed = gone.filter((n) => !isConstantNode(a, n.id)).map((n) => n.name);
  return { nodesA: a.nodes.length, nodesB: b.nodes.length, added, removed, foldedConstants: gone.length - removed.length, changed, fused, ...facts };
}
