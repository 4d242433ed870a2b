import type { IrNode } from '../../ir/node.js';
import type { PassContext } from '../../rewrite/pass.js';

/**
 * Removes a node that passes `input` through unchanged as its first output, making its readers
 * read `input`. When that output is a graph output its name must survive, so the producer of
 * `input` is renamed to it instead; where that is impossible (the input is a graph input, an
 * initializer, or itself a graph output) the node stays. Returns whether it was removed.
 */
export function bypassNode(ctx: PassContext, node: IrNode, input: string): boolean {
  const g = ctx.graph;
  const output = node.outputs[0]!;
  if (!ctx.inScope([node])) return false;
  // Other outputs (Dropout's mask) must be unread.
  if (node.outputs.slice(1).some((v) => v !== '' && g.usedOutside(v, new Set()))) return false;
  if (!g.isGraphOutput(output)) {
    ctx.model.journal.transaction('bypass', () => {
      g.removeNode(node);
      g.replaceAllUses(output, input);
    });
    return true;
  }
  const producer = g.producer(input);
  if (!producer || g.isGraphOutput(input) || !ctx.inScope([producer])) return false;
  ctx.model.journal.transaction('bypass', () => {
    g.removeNode(node);
    g.replaceAllUses(input, output);
    g.setOutput(producer, producer.outputs.indexOf(input), output);
  });
  return true;
}
