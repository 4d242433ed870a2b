import type { IrNode } from '../../ir/node.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import type { PassContext } from '../../rewrite/pass.js';

/**
 * Replaces `node` by initializers holding its outputs' values, each named as the output it
 * replaces: readers and graph outputs keep their names (an initializer may be a graph output).
 * Outputs nothing reads get no initializer. Inside a subgraph, outputs that are the subgraph's
 * own outputs are left alone: not every runtime accepts a branch whose result is an initializer.
 * Returns whether the node was replaced.
 */
export function replaceWithConstants(ctx: PassContext, node: IrNode, values: readonly (TensorProto | undefined)[]): boolean {
  const g = ctx.graph;
  if (!ctx.inScope([node])) return false;
  const read = node.outputs.map((v) => v !== '' && g.usedOutside(v, new Set([node])));
  if (!read.some(Boolean)) return false; // dead: dead-code-elimination's job, with nothing to compute
  for (const [i, v] of node.outputs.entries()) {
    if (!read[i]) continue;
    if (!values[i] || (g.parent && g.isGraphOutput(v))) return false;
  }
  ctx.model.journal.transaction('fold', () => {
    g.removeNode(node);
    for (const [i, v] of node.outputs.entries()) if (read[i]) g.addInitializer({ ...values[i]!, name: v });
  });
  return true;
}
