import type { Graph } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import type { PassContext } from './pass.js';

/**
 * A subgraph to find, written from its root (the node whose outputs survive the rewrite)
 * back through producers:
 *
 *   op('Add', [op('MatMul', ['a', 'b'], { as: 'mm' }), 'c'], { as: 'add' })
 *
 * Strings are value captures; `const:` before a name requires a constant value, `?` after one
 * allows the input to be absent. A nested `op` must be produced by that op; its outputs must not
 * be read by anything outside the match (the engine checks this for every non-root node).
 */
export interface OpPattern {
  readonly kind: 'op';
  readonly opTypes: readonly string[];
  readonly domain: string;
  readonly inputs: readonly InputPattern[] | undefined;
  readonly as: string;
  /** Attribute predicate (e.g. `axis === -1`). */
  readonly where: ((node: IrNode, ctx: PassContext) => boolean) | undefined;
  /** Inputs may match in either order (commutative ops: Add, Mul). */
  readonly commutative: boolean;
}

export type InputPattern = OpPattern | string;

/** Options of `op`. */
export interface OpOptions {
  as?: string;
  domain?: string;
  where?: (node: IrNode, ctx: PassContext) => boolean;
  commutative?: boolean;
}

let anonymous = 0;

/** A node pattern: one op type (or several alternatives) with input patterns. */
export function op(opType: string | readonly string[], inputs?: readonly InputPattern[], options: OpOptions = {}): OpPattern {
  return {
    kind: 'op',
    opTypes: typeof opType === 'string' ? [opType] : opType,
    domain: options.domain ?? '',
    inputs,
    as: options.as ?? `_op${anonymous++}`,
    where: options.where,
    commutative: options.commutative ?? false,
  };
}

/** What a pattern matched: nodes and values by capture name. */
export interface Match {
  readonly root: IrNode;
  readonly nodes: Record<string, IrNode>;
  /** Captured value names; '' for an absent optional input. */
  readonly values: Record<string, string>;
}

interface Partial {
  nodes: Record<string, IrNode>;
  values: Record<string, string>;
}

function sameDomain(node: IrNode, domain: string): boolean {
  const d = node.domain === 'ai.onnx' ? '' : node.domain;
  return d === domain;
}

function matchValue(p: InputPattern, value: string | undefined, graph: Graph, ctx: PassContext, acc: Partial): boolean {
  if (typeof p === 'string') {
    const optional = p.endsWith('?');
    const constant = p.startsWith('const:');
    const name = p.slice(constant ? 6 : 0, optional ? -1 : undefined);
    if (value === undefined || value === '') {
      if (!optional) return false;
      value = '';
    } else if (constant && !ctx.facts.constant(graph, value)) return false;
    const seen = acc.values[name];
    if (seen !== undefined) return seen === value; // the same capture twice means the same value
    acc.values[name] = value;
    return true;
  }
  if (value === undefined || value === '') return false;
  const producer = graph.producer(value);
  if (!producer) return false;
  return matchNode(p, producer, graph, ctx, acc);
}

function matchInputs(inputs: readonly InputPattern[], node: IrNode, graph: Graph, ctx: PassContext, acc: Partial): boolean {
  for (let i = 0; i < inputs.length; i++) if (!matchValue(inputs[i]!, node.inputs[i], graph, ctx, acc)) return false;
  // Inputs beyond the pattern must be absent: a pattern states every input it accepts.
  for (let i = inputs.length; i < node.inputs.length; i++) if (node.inputs[i] !== '') return false;
  return true;
}

function snapshot(acc: Partial): Partial {
  return { nodes: { ...acc.nodes }, values: { ...acc.values } };
}

function restore(acc: Partial, from: Partial): void {
  acc.nodes = from.nodes;
  acc.values = from.values;
}

function matchNode(p: OpPattern, node: IrNode, graph: Graph, ctx: PassContext, acc: Partial): boolean {
  if (!p.opTypes.includes(node.opType) || !sameDomain(node, p.domain)) return false;
  const already = acc.nodes[p.as];
  if (already) return already === node;
  if (Object.values(acc.nodes).includes(node)) return false;
  acc.nodes[p.as] = node;
  if (p.where && !p.where(node, ctx)) return false;
  if (!p.inputs) return true;
  const before = snapshot(acc);
  if (matchInputs(p.inputs, node, graph, ctx, acc)) return true;
  if (p.commutative && p.inputs.length === 2 && node.inputs.length === 2) {
    restore(acc, before);
    return matchInputs([p.inputs[1]!, p.inputs[0]!], node, graph, ctx, acc);
  }
  return false;
}

/**
 * Matches `pattern` with `root` as its root node. Besides the pattern's own conditions, every
 * matched node other than the root must have all its outputs read only inside the match (not by
 * other nodes, subgraphs or graph outputs, nor at an input the pattern captures as a plain value),
 * so that removing it loses nothing.
 */
export function matchAt(pattern: OpPattern, root: IrNode, graph: Graph, ctx: PassContext): Match | undefined {
  const acc: Partial = { nodes: {}, values: {} };
  if (!matchNode(pattern, root, graph, ctx, acc)) return undefined;
  const inside = new Set(Object.values(acc.nodes));
  const captured = new Set(Object.values(acc.values));
  for (const n of inside) {
    if (n === root) continue;
    for (const v of n.outputs) {
      if (v === '') continue;
      if (graph.usedOutside(v, inside)) return undefined;
      // A matched node's output also captured as a plain value (Gemm(t, t) matched as Gemm(Transpose, b))
      // is read at a position the rewrite keeps, but the node producing it is removed.
      if (captured.has(v)) return undefined;
    }
  }
  if (!ctx.inScope(inside)) return undefined;
  return { root, nodes: acc.nodes, values: acc.values };
}
