import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import { orderNodes } from '../../ir/topo-order.js';
import { isIntegerType } from '../../onnx/element-types.js';
import { Attribute } from '../../onnx/onnx-schema.js';
import { encodeMessage } from '../../proto/encode.js';
import { concatSegments } from '../../proto/wire-writer.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { isDeterministic } from './deterministic-ops.js';

// Two deterministic nodes with the same op, domain, inputs and attributes compute the same
// outputs; the later one goes and its readers read the earlier one's outputs. Nodes are keyed by
// op, domain, inputs and their encoded attributes (sorted by name), and visited in
// topological order, so a merge lets the readers of both merge in the same sweep.

// Swapping the inputs of these gives the same bits for every value.
const COMMUTATIVE: ReadonlySet<string> = new Set(['And', 'Or', 'Xor', 'Equal', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor']);
// These are commutative too, but on floats two NaNs with different payloads give the first one's.
const COMMUTATIVE_ON_INTEGERS: ReadonlySet<string> = new Set(['Add', 'Mul']);

function attributeBytes(n: IrNode): Uint8Array {
  const sorted = [...n.attributes].sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
  return concatSegments(sorted.flatMap((a) => encodeMessage(Attribute, a)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function inputKey(ctx: PassContext, n: IrNode): string {
  let inputs = [...n.inputs];
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop(); // trailing absent optionals say nothing
  const domain = n.domain === 'ai.onnx' ? '' : n.domain;
  if (inputs.length === 2 && domain === '') {
    const swappable =
      COMMUTATIVE.has(n.opType) ||
      (COMMUTATIVE_ON_INTEGERS.has(n.opType) && isIntegerType(ctx.facts.tensor(ctx.graph, inputs[0]!)?.elemType ?? 0));
    if (swappable) inputs = inputs.sort();
  }
  return `${n.opType}\0${domain}\0${inputs.join('\0')}`;
}

/**
 * Removes `dup`, whose outputs equal `keep`'s, making readers read `keep`'s outputs. A graph
 * output of `dup` keeps its name: `keep`'s output is renamed to it instead, which is impossible
 * when that one is a graph output too. Returns whether the merge happened.
 */
function merge(ctx: PassContext, keep: IrNode, dup: IrNode): boolean {
  const g: Graph = ctx.graph;
  if (!ctx.inScope([keep, dup])) return false;
  const rewire: [string, string][] = [];
  const rename: [number, string][] = [];
  for (const [i, d] of dup.outputs.entries()) {
    if (d === '' || !g.usedOutside(d, new Set([dup]))) continue;
    const k = keep.outputs[i];
    if (k === undefined || k === '') return false; // `keep` does not compute that optional output
    if (!g.isGraphOutput(d)) rewire.push([d, k]);
    else if (g.isGraphOutput(k)) return false;
    else rename.push([i, d]);
  }
  ctx.model.journal.transaction('merge node', () => {
    g.removeNode(dup);
    for (const [from, to] of rewire) g.replaceAllUses(from, to);
    for (const [i, name] of rename) {
      g.replaceAllUses(keep.outputs[i]!, name);
      g.setOutput(keep, i, name);
    }
  });
  return true;
}

/** Merges deterministic nodes that have the same op, domain, attributes and inputs. */
export const commonSubexpressionElimination: Pass = {
  name: 'common-subexpression-elimination',
  description: 'merges nodes with the same op, attributes and inputs into one (never random ops, Dropout or nodes with subgraphs)',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  repeat: true,
  run(ctx) {
    // Keyed by op and inputs first: most nodes have no twin there, so their attributes are
    // encoded only when one shows up.
    const seen = new Map<string, { node: IrNode; attrs?: Uint8Array }[]>();
    const bytesOf = (e: { node: IrNode; attrs?: Uint8Array }) => (e.attrs ??= attributeBytes(e.node));
    let merged = 0;
    for (const n of orderNodes(ctx.graph)) {
      if (!isDeterministic(n)) continue;
      const key = inputKey(ctx, n);
      const earlier = seen.get(key);
      if (!earlier) {
        seen.set(key, [{ node: n }]);
        continue;
      }
      const entry = { node: n, attrs: attributeBytes(n) };
      const twin = earlier.find((e) => sameBytes(bytesOf(e), entry.attrs));
      if (twin && merge(ctx, twin.node, n)) {
        merged++;
        continue;
      }
      earlier.push(entry);
    }
    return merged;
  },
};
