import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import { ElemType } from '../../onnx/element-types.js';

// Casts that change nothing once a graph is converted: a Cast to the type its input already has
// (a converted Cast to float that now reads a half value), and a widening Cast followed by one
// back (half → float32 → half), which gives back its input exactly. Narrowing pairs
// (float32 → half → float32) round, so they stay.

/** Formats each format converts to and back without loss. */
const EXACT_WIDENINGS: ReadonlyMap<number, readonly number[]> = new Map([
  [ElemType.FLOAT16, [ElemType.FLOAT, ElemType.DOUBLE]],
  [ElemType.BFLOAT16, [ElemType.FLOAT, ElemType.DOUBLE]],
  [ElemType.FLOAT, [ElemType.DOUBLE]],
]);

function castTo(n: IrNode): number | undefined {
  if (n.opType !== 'Cast' || !n.inDefaultDomain) return undefined;
  const to = n.attribute('to')?.i;
  return to === undefined ? undefined : Number(to);
}

// Readers of `from` read `to` instead, where nothing outside the graph's nodes needs the name.
function bypass(graph: Graph, cast: IrNode, to: string): boolean {
  const out = cast.outputs[0] ?? '';
  if (graph.isGraphOutput(out) || graph.subgraphReaders(out).length) return false;
  graph.replaceAllUses(out, to);
  graph.removeNode(cast);
  return true;
}

/**
 * Removes redundant Casts from one graph; `typeOf` gives a value's element type before any
 * removal (removals keep every remaining value's type). Returns how many Casts went.
 */
export function removeRedundantCasts(graph: Graph, typeOf: (v: string) => number | undefined): number {
  let removed = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of [...graph.nodes]) {
      const to = castTo(n);
      const input = n.inputs[0] ?? '';
      if (to === undefined || !input) continue;
      if (typeOf(input) === to) {
        if (bypass(graph, n, input)) {
          removed++;
          changed = true;
        }
        continue;
      }
      const first = graph.producer(input);
      const middle = first && castTo(first);
      const source = first?.inputs[0] ?? '';
      const sourceType = source ? typeOf(source) : undefined;
      if (middle === undefined || sourceType !== to || !EXACT_WIDENINGS.get(to)?.includes(middle)) continue;
      if (!bypass(graph, n, source)) continue;
      removed++;
      changed = true;
      const mid = first!.outputs[0] ?? '';
      if (!graph.consumers(mid).size && !graph.isGraphOutput(mid) && !graph.subgraphReaders(mid).length) {
        graph.removeNode(first!);
        removed++;
      }
    }
  }
  return removed;
}
