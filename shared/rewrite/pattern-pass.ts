import type { NodeSpec } from '../ir/graph.js';
import type { IrNode } from '../ir/node.js';
import type { Pass, PassContext, Target } from './pass.js';
import { matchAt, type Match, type OpPattern } from './pattern.js';

/** What a rewrite puts in place of a match. */
export interface Replacement {
  /** New nodes; together they must produce every output of the match's root that is read. */
  nodes: NodeSpec[];
  /**
   * Root outputs that become another existing value instead (e.g. an eliminated op's input);
   * a graph output keeps its name, computed by an Identity of that value.
   */
  aliases?: Record<string, string>;
}

/** A pattern, the guard that decides whether a match may be rewritten, and the rewrite. */
export interface Rule {
  readonly pattern: OpPattern;
  /** Checks shapes, types, attributes and constants; returns false (or a reason) to leave the match alone. */
  guard?(m: Match, ctx: PassContext): boolean;
  rewrite(m: Match, ctx: PassContext): Replacement | undefined;
}

/** A pass made of rules, each tried at every node of the graph. */
export interface PatternPassSpec {
  name: string;
  description: string;
  target: Target;
  requires?: readonly ('shapes' | 'runtime')[];
  numerics: Pass['numerics'];
  /** Minimum ai.onnx opset of the model for the pass to run (the ops it emits exist from there). */
  minOpset?: number;
  /** Contrib domain versions it needs, e.g. { 'com.microsoft': 1 }. */
  domains?: Record<string, number>;
  repeat?: boolean;
  rules: Rule[];
}

/** Applies a replacement: new nodes derive their provenance from every matched node. */
export function applyReplacement(m: Match, r: Replacement, ctx: PassContext): IrNode[] {
  const g = ctx.graph;
  const old = Object.values(m.nodes);
  return ctx.model.journal.transaction('rewrite', () => {
    for (const n of old) g.removeNode(n);
    const added = r.nodes.map((spec) => g.addNode(spec, old));
    for (const [from, to] of Object.entries(r.aliases ?? {})) {
      // A graph output's name belongs to the model's interface: renaming it would break callers.
      if (g.isGraphOutput(from)) added.push(g.addNode({ opType: 'Identity', inputs: [to], outputs: [from] }, old));
      else g.replaceAllUses(from, to);
    }
    return added;
  });
}

/** Builds a Pass from rules: every node (in order) is tried as the root of each rule. */
export function patternPass(spec: PatternPassSpec): Pass {
  return {
    name: spec.name,
    description: spec.description,
    target: spec.target,
    requires: spec.requires ?? [],
    numerics: spec.numerics,
    ...(spec.repeat ? { repeat: true } : {}),
    run(ctx) {
      if (spec.minOpset !== undefined && (ctx.opset('') ?? 0) < spec.minOpset) return 0;
      // Domains are imported when the first rewrite is about to use them, not before: a pass
      // that finds nothing must leave the model (its opset imports included) as it was.
      let domainsReady = false;
      const requireDomains = (): boolean =>
        Object.entries(spec.domains ?? {}).every(([domain, version]) => ctx.requireOpset(domain, version));
      let count = 0;
      const removed = new Set<IrNode>();
      for (const node of [...ctx.graph.nodes]) {
        if (removed.has(node)) continue;
        for (const rule of spec.rules) {
          if (!rule.pattern.opTypes.includes(node.opType)) continue;
          const m = matchAt(rule.pattern, node, ctx.graph, ctx);
          if (!m || (rule.guard && !rule.guard(m, ctx))) continue;
          if (!domainsReady) {
            if (!requireDomains()) return count;
            domainsReady = true;
          }
          const r = rule.rewrite(m, ctx);
          if (!r) continue;
          applyReplacement(m, r, ctx);
          for (const n of Object.values(m.nodes)) removed.add(n);
          count++;
          break;
        }
      }
      return count;
    },
  };
}
