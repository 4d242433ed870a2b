import type { IrNode } from '../ir/node.js';
import type { SurgeryEdit } from './edit.js';
import { findNode } from './find-node.js';
import { refuse, runEdit } from './run-edit.js';

export interface DeleteSubtreeOptions {
  /** Id or name of the node at the bottom of the subtree. */
  readonly node: string;
}

/** Values a node reads: its inputs and what its subgraphs read from outside them. */
function readsOf(n: IrNode): string[] {
  const reads = n.inputs.filter((v) => v !== '');
  for (const s of n.subgraphs) reads.push(...s.graph.outerReferences());
  return reads;
}

/**
 * Deletes a node and everything upstream that only it feeds: each producer whose outputs are read
 * by the deleted nodes alone (not by other nodes, subgraphs or graph outputs), and initializers
 * only they read. Graph inputs stay (the model's interface changes only where asked).
 *
 * The node's own outputs: graph outputs among them are removed from the graph's outputs (deleting
 * an output head is what this is for), but not the last one; a node outside the subtree reading
 * one refuses the edit, naming it (use delete-node to reconnect instead).
 */
export const deleteSubtree: SurgeryEdit<DeleteSubtreeOptions> = {
  name: 'delete-subtree',
  description: 'removes a node and every upstream node and initializer that only it feeds; removes the graph outputs it produced',
  group: 'surgery',
  options: [{ name: 'node', type: 'node', description: 'id or name of the node whose subtree to delete' }],
  apply(model, options) {
    const { node: root, graph: g } = findNode(model, options.node);
    const label = `delete subtree of ${root.label}`;
    return runEdit(model, 'delete-subtree', label, () => {
      const doomed = new Set<IrNode>([root]);
      for (const v of root.outputs) {
        if (v === '') continue;
        const reader = [...g.consumers(v), ...g.subgraphReaders(v)].find((n) => n !== root);
        if (reader) refuse(label, `node ${reader.label} reads its output "${v}"`);
      }
      const removedOutputs = root.outputs.filter((v) => v !== '' && g.isGraphOutput(v));
      if (removedOutputs.length && removedOutputs.length === g.outputs.length) refuse(label, 'it computes every output of the graph');
      // Grow upwards: a producer joins once nothing outside the set reads any of its outputs.
      const work = [root];
      while (work.length) {
        for (const v of readsOf(work.pop()!)) {
          const p = g.producer(v);
          if (!p || doomed.has(p)) continue;
          doomed.add(p);
          if (p.outputs.some((o) => o !== '' && g.usedOutside(o, doomed))) doomed.delete(p);
          else work.push(p);
        }
      }
      const inits = new Set<string>();
      for (const n of doomed) for (const v of readsOf(n)) if (g.initializers.has(v) && !g.isGraphInput(v) && !g.usedOutside(v, doomed)) inits.add(v);
      if (removedOutputs.length) g.setGraphOutputs(g.outputs.filter((o) => !removedOutputs.includes(o.name ?? '')));
      const order = [...g.nodes].filter((n) => doomed.has(n));
      for (const n of order) g.removeNode(n);
      for (const name of inits) g.removeInitializer(name);
      g.removeValueInfos(order.flatMap((n) => n.outputs));
      const outs = removedOutputs.length ? `; graph outputs removed: ${removedOutputs.map((v) => `"${v}"`).join(', ')}` : '';
      return `deleted ${order.length} node(s) and ${inits.size} initializer(s) from ${root.label} up${outs}`;
    });
  },
};
