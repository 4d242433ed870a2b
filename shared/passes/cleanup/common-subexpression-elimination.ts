import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import { orderNodes } from '../../ir/topo-order.js';
import { isIntegerType } from '../../onnx/element-types.js';
import { Attribute } from '../../onnx/onnx-schema.js';
import type { AttributeProto, TensorProto } from '../../onnx/proto-types.js';
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

// A tensor's name inside an attribute (a Constant's value) says nothing about what it computes.
function unnamed(a: AttributeProto): AttributeProto {
  if (!a.t?.name && !a.tensors?.some((t) => t.name)) return a;
  const strip = ({ name: _name, ...t }: TensorProto): TensorProto => t;
  return { ...a, ...(a.t ? { t: strip(a.t) } : {}), ...(a.tensors ? { tensors: a.tensors.map(strip) } : {}) };
}

function attributeBytes(n: IrNode): Uint8Array {
  const sorted = [...n.attributes].sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
  return concatSegments(sorted.flatMap((a) => encodeMessage(Attribute, unnamed(a))));
}

// FNV-1a over the bytes: groups attribute encodings that may be equal.
function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Inputs without trailing absent optionals (they say nothing).
function inputsOf(n: IrNode): string[] {
  const inputs = [...n.inputs];
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
  return inputs;
}

const defaultDomain = (n: IrNode) => (n.domain === 'ai.onnx' ? '' : n.domain);

// Nodes whose two inputs may be swapped for some element types are keyed by their sorted inputs;
// whether a swapped twin really is one is settled when one shows up (see sameInputs).
function inputKey(n: IrNode, inputs: string[]): string {
  const mayCommute = inputs.length === 2 && defaultDomain(n) === '' && (COMMUTATIVE.has(n.opType) || COMMUTATIVE_ON_INTEGERS.has(n.opType));
  const keyed = mayCommute ? [...inputs].sort() : inputs;
  return `${n.opType}\0${defaultDomain(n)}\0${keyed.join('\0')}`;
}

// Same inputs in the same order, or swapped where swapping gives the same bits. The element type
// is asked for only here: type facts cost a shape inference after every change to the graph.
function sameInputs(ctx: PassContext, n: IrNode, a: string[], b: string[]): boolean {
  if (a.length === b.length && a.every((v, i) => v === b[i])) return true;
  if (COMMUTATIVE.has(n.opType)) return true; // same key, so the same two inputs swapped
  return isIntegerType(ctx.facts.tensor(ctx.graph, a[0]!)?.elemType ?? 0);
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
  keepsTypes: true,
  repeat: true,
  run(ctx) {
    // Keyed by op and inputs first: most nodes have no twin there, so their attributes are
    // encoded only when a second node shows up under the key. From then on the key's nodes are
    // grouped by a hash of their attributes: every Constant has the same (empty) inputs, and
    // comparing each with all earlier ones would take time quadratic in their number.
    type Entry = { node: IrNode; inputs: string[]; attrs: Uint8Array };
    type Bucket = { first: IrNode; inputs: string[]; byAttrs?: Map<number, Entry[]> };
    const seen = new Map<string, Bucket>();
    const file = (byAttrs: Map<number, Entry[]>, e: Entry): void => {
      const h = hashBytes(e.attrs);
      const list = byAttrs.get(h);
      if (list) list.push(e);
      else byAttrs.set(h, [e]);
    };
    let merged = 0;
    for (const n of orderNodes(ctx.graph)) {
      if (!isDeterministic(n)) continue;
      const inputs = inputsOf(n);
      const key = inputKey(n, inputs);
      const bucket = seen.get(key);
      if (!bucket) {
        seen.set(key, { first: n, inputs });
        continue;
      }
      if (!bucket.byAttrs) {
        bucket.byAttrs = new Map();
        file(bucket.byAttrs, { node: bucket.first, inputs: bucket.inputs, attrs: attributeBytes(bucket.first) });
      }
      const entry: Entry = { node: n, inputs, attrs: attributeBytes(n) };
      const candidates = bucket.byAttrs.get(hashBytes(entry.attrs)) ?? [];
      const twin = candidates.find((e) => sameBytes(e.attrs, entry.attrs) && sameInputs(ctx, n, e.inputs, inputs));
      if (twin && merge(ctx, twin.node, n)) {
        merged++;
        continue;
      }
      file(bucket.byAttrs, entry);
    }
    return merged;
  },
};
