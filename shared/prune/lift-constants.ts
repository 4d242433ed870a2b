// Some exporters (paddle2onnx) write every weight as a Constant node. Pruning slices initializers,
// so float Constant nodes of rank ≥ 1 become initializers of the same name first (same values),
// in models where a layer's weight is one (elsewhere the graph stays as it is).

import type { Graph } from '../ir/graph.js';
import { ElemType } from '../onnx/element-types.js';
import { PRUNABLE_OPS } from './weights.js';

/** Turns float tensor Constant nodes into initializers when some prunable layer's weight is one; returns how many. */
export function liftFloatConstants(graph: Graph): number {
  const needed = [...graph.nodes].some((n) => (PRUNABLE_OPS as readonly string[]).includes(n.opType) && n.inputs[1] && graph.producer(n.inputs[1])?.opType === 'Constant');
  if (!needed) return 0;
  let lifted = 0;
  for (const node of [...graph.nodes]) {
    if (node.opType !== 'Constant' || !node.inDefaultDomain) continue;
    const t = node.attribute('value')?.t;
    const out = node.outputs[0];
    if (!t || !out || t.dataType !== ElemType.FLOAT || !(t.dims ?? []).length || graph.isGraphOutput(out)) continue;
    graph.removeNode(node);
    graph.addInitializer({ ...t, name: out });
    lifted++;
  }
  return lifted;
}
