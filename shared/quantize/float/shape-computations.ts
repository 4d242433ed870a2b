import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import { orderNodes } from '../../ir/topo-order.js';
import { ElemType, isFloatType } from '../../onnx/element-types.js';

/**
 * Nodes that compute in float32 on numbers that came from integers (sizes, indices, lengths:
 * Shape → Cast to float → Mul by a scale → Floor → Cast back): float16 holds integers exactly
 * only up to 2048 (bfloat16 up to 256), so these stay float32. Found forward: a Cast from an
 * integer type to float, then every node whose float inputs all come from such nodes or from
 * constants.
 */
export function shapeComputations(graph: Graph, typeOf: (v: string) => number | undefined, isConstant: (v: string) => boolean): Set<IrNode> {
  const found = new Set<IrNode>();
  const fromShape = (v: string): boolean => {
    const p = graph.producer(v);
    return p !== undefined && found.has(p);
  };
  for (const n of orderNodes(graph)) {
    if (n.opType === 'Cast' && n.inDefaultDomain) {
      const from = typeOf(n.inputs[0] ?? '');
      if (from !== undefined && !isFloatType(from) && from !== ElemType.STRING) found.add(n);
      else if (n.inputs[0] && fromShape(n.inputs[0])) found.add(n);
      continue;
    }
    const floats = n.inputs.filter((v) => v !== '' && typeOf(v) === ElemType.FLOAT);
    if (!floats.length || !floats.some(fromShape)) continue;
    if (floats.every((v) => fromShape(v) || isConstant(v))) found.add(n);
  }
  return found;
}
