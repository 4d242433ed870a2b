// Which original nodes each node of a derived graph computes: onnxruntime's optimized graph
// against the model as loaded, or a model our optimizer wrote against its input.
//
// Names alone do not do it: onnxruntime renames most of what it fuses (an NCHWc convolution
// `r2_nchwc` writes `reorder_token_74`). What survives is shared value names (graph inputs and
// outputs always, most intermediate values at the basic and extended levels), names derived from
// values (`<value>_nchwc`) and the structure between them. The steps:
//  1. anchors: derived values with the name of an original value; names a derived node took from
//     an original value or node give tentative anchors for its outputs; layout reorders carry
//     anchors through;
//  2. each derived node owns the original values its outputs anchor to, and its group is what
//     lies between those and the values it reads: a backward walk stopping at its inputs,
//     constants and values other nodes own;
//  3. a group that reads an original value its node does not read started too early: the nodes
//     before its core operator belong to the upstream node (onnxruntime fuses Add and Relu into
//     the convolution before them, and names the result after the convolution's own output);
//  4. leftovers attach to unmatched derived nodes of a compatible operator next to them; layout
//     nodes attach to the node whose value they reorder ('adjacent'); the rest stays unmatched.

import { ORIGINS_KEY, parseOrigins } from './provenance.js';
import { isConstantNode, type GraphIndex } from './graph-index.js';
import { baseNames, compatibleOps, isLayoutOp, isMovementOp } from './op-kinds.js';

/** How a derived node was tied to original nodes, strongest first. */
export type MatchVia = 'provenance' | 'name' | 'values' | 'structure' | 'adjacent' | 'none';

export interface NodeGroup {
  /** Ids of original nodes (GraphIndex ids). */
  original: number[];
  via: MatchVia;
}

export interface Correspondence {
  /** Indexed by derived node id. */
  groups: NodeGroup[];
  /** Non-constant original nodes no derived node computes: removed by the optimizer (or not matched). */
  unmatchedOriginal: number[];
  /** Original nodes computing constants only: folded when optimizing. */
  constantOriginal: number[];
}

export interface CorrespondOptions {
  /** Read our optimizer's provenance (`onnx-workbench.origins` node metadata) first. */
  provenance?: boolean;
}

class Matcher {
  readonly alpha = new Map<string, string>();
  readonly exact = new Set<string>();
  readonly core = new Map<number, number>();
  readonly owner = new Map<string, number>();
  readonly region: Set<number>[];
  readonly via: MatchVia[];
  readonly assigned = new Map<number, number>();
  /** Derived nodes that compute no original value: layout reorders, and unmatched data movement around them. */
  readonly inserted = new Set<number>();

  constructor(
    readonly G: GraphIndex,
    readonly H: GraphIndex,
  ) {
    this.region = H.nodes.map(() => new Set<number>());
    this.via = H.nodes.map(() => 'none');
  }

  isGValue(v: string): boolean {
    return this.G.producer.has(v) || this.G.graphInputs.has(v) || this.G.initializers.has(v);
  }

  anchorByName(): void {
    const { H } = this;
    for (const v of H.graphInputs) this.anchorExact(v);
    for (const n of H.nodes) for (const v of [...n.inputs, ...n.outputs]) this.anchorExact(v);
  }

  private anchorExact(v: string): void {
    if (!this.alpha.has(v) && this.isGValue(v)) {
      this.alpha.set(v, v);
      this.exact.add(v);
    }
  }

  /** Layout ops, and data movement with nothing tying it to the original (onnxruntime's blocked-layout reshapes). */
  markInserted(): void {
    const { G, H } = this;
    for (const h of H.nodes) {
      if (isLayoutOp(h.opType)) this.inserted.add(h.id);
      else if (
        isMovementOp(h.opType) &&
        !h.outputs.some((o) => this.exact.has(o)) &&
        !(h.named && G.byName.get(h.name)?.some((id) => G.nodes[id]!.named)) &&
        !baseNames(h.name).some((b) => G.producer.has(b) || G.byName.has(b))
      ) {
        this.inserted.add(h.id);
      }
    }
  }

  provenance(): void {
    const { G, H } = this;
    for (const h of H.nodes) {
      const raw = h.metadata[ORIGINS_KEY];
      if (raw === undefined) continue;
      const ids = parseOrigins(raw).flatMap((name) => G.byName.get(name) ?? []);
      if (!ids.length) continue;
      for (const id of ids) {
        if (this.assigned.has(id)) continue;
        this.assigned.set(id, h.id);
        this.region[h.id]!.add(id);
      }
      this.via[h.id] = 'provenance';
    }
  }

  coresByName(): void {
    const { G, H } = this;
    for (const h of H.nodes) {
      // Unnamed nodes carry positional names (`Conv_12`), which say nothing across two files.
      if (!h.named || this.inserted.has(h.id) || this.via[h.id] === 'provenance') continue;
      const ids = (G.byName.get(h.name) ?? []).filter((id) => G.nodes[id]!.named && compatibleOps(h.opType, G.nodes[id]!.opType));
      if (ids.length !== 1) continue;
      const g = G.nodes[ids[0]!]!;
      this.core.set(h.id, g.id);
      h.outputs.forEach((o, i) => {
        if (!this.alpha.has(o) && g.outputs[i] !== undefined) this.alpha.set(o, g.outputs[i]!);
      });
    }
  }

  hints(): void {
    const { G, H } = this;
    for (const h of H.nodes) {
      if (this.inserted.has(h.id) || !h.outputs.length || this.alpha.has(h.outputs[0]!) || this.core.has(h.id)) continue;
      for (const base of baseNames(h.name)) {
        if (G.producer.has(base) && !G.constants.has(base)) {
          this.alpha.set(h.outputs[0]!, base);
          break;
        }
        const ids = (G.byName.get(base) ?? []).filter((id) => G.nodes[id]!.named);
        if (ids.length === 1) {
          const g = G.nodes[ids[0]!]!;
          h.outputs.forEach((o, i) => g.outputs[i] !== undefined && !this.alpha.has(o) && this.alpha.set(o, g.outputs[i]!));
          break;
        }
      }
    }
  }

  throughLayout(): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const h of this.H.nodes) {
        if (!this.inserted.has(h.id) || !h.inputs.length || !h.outputs.length) continue;
        const [i, o] = [h.inputs[0]!, h.outputs[0]!];
        if (this.alpha.has(i) && !this.alpha.has(o)) this.alpha.set(o, this.alpha.get(i)!);
        else if (this.alpha.has(o) && !this.alpha.has(i)) this.alpha.set(i, this.alpha.get(o)!);
        else continue;
        changed = true;
      }
    }
  }

  owners(): void {
    // Name-equal anchors claim first: a tentative anchor never takes a value from an exact one.
    for (const wantExact of [true, false]) {
      for (const h of this.H.nodes) {
        if (this.inserted.has(h.id)) continue;
        for (const o of h.outputs) {
          const g = this.alpha.get(o);
          if (g !== undefined && this.exact.has(o) === wantExact && !this.owner.has(g)) this.owner.set(g, h.id);
        }
      }
    }
  }

  inputsOf(hId: number): Set<string> {
    const s = new Set<string>();
    for (const v of this.H.nodes[hId]!.inputs) {
      const g = this.alpha.get(v);
      if (g !== undefined) s.add(g);
    }
    return s;
  }

  private ownedOutputs(hId: number): string[] {
    return this.H.nodes[hId]!.outputs.map((o) => this.alpha.get(o)).filter((g): g is string => g !== undefined && this.owner.get(g) === hId);
  }

  walk(hId: number): Set<number> {
    const { G } = this;
    const ins = this.inputsOf(hId);
    const outs = this.ownedOutputs(hId);
    const computesConstant = outs.length > 0 && outs.every((g) => G.constants.has(g));
    const stop = (v: string) =>
      ins.has(v) ||
      G.graphInputs.has(v) ||
      G.initializers.has(v) ||
      (!computesConstant && G.constants.has(v)) ||
      (this.owner.has(v) && this.owner.get(v) !== hId);
    const seen = new Set<number>();
    const stack = outs.map((g) => G.producer.get(g)).filter((p): p is number => p !== undefined);
    const c = this.core.get(hId);
    if (c !== undefined) stack.push(c);
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id) || this.assigned.has(id)) continue;
      seen.add(id);
      for (const v of G.nodes[id]!.inputs) {
        if (stop(v)) continue;
        const p = G.producer.get(v);
        if (p !== undefined && !seen.has(p)) stack.push(p);
      }
    }
    return seen;
  }

  regions(): void {
    const { H } = this;
    const rank = (h: number) => (this.core.has(h) ? 0 : H.nodes[h]!.outputs.some((o) => this.exact.has(o)) ? 1 : 2);
    const order = H.nodes.map((n) => n.id).filter((id) => !this.inserted.has(id) && this.via[id] === 'none');
    order.sort((a, b) => rank(a) - rank(b) || a - b);
    for (const h of order) {
      for (const g of this.walk(h)) {
        if (this.assigned.has(g)) continue;
        this.assigned.set(g, h);
        this.region[h]!.add(g);
      }
      if (this.region[h]!.size) this.via[h] = rank(h) === 0 ? 'name' : rank(h) === 1 ? 'values' : 'structure';
    }
  }

  private coreIn(hId: number): number | undefined {
    const c = this.core.get(hId);
    if (c !== undefined) return c;
    const op = this.H.nodes[hId]!.opType;
    const same = [...this.region[hId]!].filter((g) => compatibleOps(op, this.G.nodes[g]!.opType));
    return same.length === 1 ? same[0] : undefined;
  }

  /** Step 3: nodes before the core whose inputs the derived node does not read go to the upstream node. */
  fixEarlyStarts(): void {
    const { G, H } = this;
    for (const h of H.nodes) {
      const R = this.region[h.id]!;
      if (this.inserted.has(h.id) || this.via[h.id] === 'provenance' || R.size < 2) continue;
      const c = this.coreIn(h.id);
      if (c === undefined) continue;
      const pre = new Set<number>();
      const stack = [c];
      while (stack.length) {
        for (const v of G.nodes[stack.pop()!]!.inputs) {
          const p = G.producer.get(v);
          if (p !== undefined && R.has(p) && !pre.has(p) && p !== c) {
            pre.add(p);
            stack.push(p);
          }
        }
      }
      if (!pre.size) continue;
      const ins = this.inputsOf(h.id);
      const frontier = new Set<string>();
      for (const p of pre) {
        for (const v of G.nodes[p]!.inputs) {
          const q = G.producer.get(v);
          if ((q === undefined || !R.has(q)) && !G.constants.has(v)) frontier.add(v);
        }
      }
      if ([...frontier].every((v) => ins.has(v) || G.graphInputs.has(v))) continue;
      const target = this.upstreamOwner(h.id, frontier);
      if (target === undefined) continue;
      for (const p of pre) {
        R.delete(p);
        this.region[target]!.add(p);
        this.assigned.set(p, target);
      }
    }
  }

  /** The derived node (through layout nodes) that produces an input of `hId` anchored in `values`. */
  private upstreamOwner(hId: number, values: Set<string>): number | undefined {
    const { H } = this;
    for (const v of H.nodes[hId]!.inputs) {
      const g = this.alpha.get(v);
      if (g === undefined || !values.has(g)) continue;
      let p = H.producer.get(v);
      while (p !== undefined && this.inserted.has(p) && H.nodes[p]!.inputs.length) p = H.producer.get(H.nodes[p]!.inputs[0]!);
      if (p !== undefined && p !== hId && this.via[p] !== 'provenance') return p;
    }
    return undefined;
  }

  /** Step 4: leftover original nodes next to a derived node of a compatible operator that has none. */
  leftovers(): void {
    const { G, H } = this;
    const left = (g: number) => !this.assigned.has(g) && !isConstantNode(G, g);
    for (const h of H.nodes) {
      if (this.inserted.has(h.id) || this.region[h.id]!.size) continue;
      const ins = this.inputsOf(h.id);
      const outs = new Set(h.outputs.map((o) => this.alpha.get(o)).filter((g): g is string => g !== undefined));
      const candidates = new Set<number>();
      for (const v of ins) for (const c of G.consumers.get(v) ?? []) candidates.add(c);
      for (const v of outs) if (G.producer.has(v)) candidates.add(G.producer.get(v)!);
      const g = [...candidates].find((id) => left(id) && compatibleOps(h.opType, G.nodes[id]!.opType));
      if (g === undefined) continue;
      this.region[h.id]!.add(g);
      this.assigned.set(g, h.id);
      this.via[h.id] = 'structure';
    }
    for (const h of H.nodes) {
      if (!this.inserted.has(h.id)) continue;
      const near = this.adjacentTo(h.id);
      if (!near.length) continue;
      for (const id of near) this.region[h.id]!.add(id);
      this.via[h.id] = 'adjacent';
    }
  }

  /**
   * The original node an inserted node works for: a reorder into the blocked layout (or a copy to
   * the device) serves the kernel that reads it; one back out, the node whose value it converts.
   */
  private adjacentTo(hId: number): number[] {
    const { G, H } = this;
    const h = H.nodes[hId]!;
    if (h.opType === 'ReorderInput' || h.opType === 'MemcpyFromHost') {
      for (const c of H.consumers.get(h.outputs[0] ?? '') ?? []) {
        if (this.inserted.has(c) || !this.region[c]!.size) continue;
        const core = this.coreIn(c) ?? Math.min(...this.region[c]!);
        return [core];
      }
    }
    const g = this.alpha.get(h.inputs[0] ?? '') ?? this.alpha.get(h.outputs[0] ?? '');
    if (g === undefined) return [];
    const p = G.producer.get(g);
    return p !== undefined ? [p] : (G.consumers.get(g) ?? []).slice(0, 1);
  }
}

/** Ties each node of `derived` to the nodes of `original` it computes (see the steps above). */
export function correspond(original: GraphIndex, derived: GraphIndex, options: CorrespondOptions = {}): Correspondence {
  const m = new Matcher(original, derived);
  m.anchorByName();
  m.markInserted();
  if (options.provenance) m.provenance();
  m.coresByName();
  // Anchors carried through reorders from names outrank the guesses names give.
  m.throughLayout();
  m.hints();
  m.throughLayout();
  m.owners();
  m.regions();
  m.fixEarlyStarts();
  m.leftovers();
  const groups = derived.nodes.map((n) => ({ original: [...m.region[n.id]!].sort((a, b) => a - b), via: m.region[n.id]!.size ? m.via[n.id]! : 'none' }));
  const unmatchedOriginal: number[] = [];
  const constantOriginal: number[] = [];
  for (const g of original.nodes) {
    if (isConstantNode(original, g.id)) constantOriginal.push(g.id);
    else if (!m.assigned.has(g.id)) unmatchedOriginal.push(g.id);
  }
  return { groups, unmatchedOriginal, constantOriginal };
}
