import type { SurgeryEdit } from './edit.js';
import { findNode } from './find-node.js';
import { refuse, runEdit } from './run-edit.js';
import { incompatibility } from './type-compatibility.js';

export interface DeleteNodeOptions {
  /** Id or name of the node. */
  readonly node: string;
}

/**
 * Deletes one node. Its readers are given the node's first input instead of its first output,
 * where the two have the same element type and compatible shapes; its other outputs must be
 * unread. When its output is a graph output, that output keeps its name where it can (the input's
 * producer is renamed to it, as identity-elimination does); where the input is a graph input or
 * an initializer, the graph output becomes the input value (refused in a subgraph whose output
 * would become an outer value: onnxruntime wants such outputs produced inside the subgraph).
 */
export const deleteNode: SurgeryEdit<DeleteNodeOptions> = {
  name: 'delete-node',
  description: "removes a node and connects its first input to its readers (same element type, compatible shape)",
  group: 'surgery',
  options: [{ name: 'node', type: 'node', description: 'id or name of the node to delete' }],
  apply(model, options) {
    const { node, graph: g } = findNode(model, options.node);
    const label = `delete node ${node.label}`;
    return runEdit(model, 'delete-node', label, (inferred) => {
      const [output = '', ...others] = node.outputs;
      const input = node.inputs[0] ?? '';
      const used = (v: string) => v !== '' && g.usedOutside(v, new Set([node]));
      const read = others.find(used);
      if (read !== undefined) refuse(label, `its output "${read}" is read, and only its first output can be reconnected`);
      if (!used(output)) {
        g.removeNode(node);
        g.removeValueInfos(node.outputs);
        return `deleted ${node.label} (its outputs were unread)`;
      }
      if (input === '') refuse(label, `it has no input to give the readers of "${output}"`);
      const why = incompatibility(inferred.typeOf(g, input), inferred.typeOf(g, output));
      if (why) refuse(label, `its readers cannot read "${input}" instead of "${output}": ${why}`);
      if (!g.isGraphOutput(output)) {
        g.removeNode(node);
        g.replaceAllUses(output, input);
        g.removeValueInfos(node.outputs);
        return `deleted ${node.label}; readers of "${output}" now read "${input}"`;
      }
      if (g.isGraphOutput(input)) refuse(label, `its output "${output}" and its input "${input}" are both graph outputs`);
      // onnxruntime refuses a subgraph output that is an outer value returned directly.
      if (g.parent && !g.defines(input)) refuse(label, `its output "${output}" is an output of subgraph "${g.name}" and "${input}" comes from outside it`);
      const producer = g.producer(input);
      g.removeNode(node);
      g.removeValueInfos(others);
      if (producer) {
        // Keep the graph output's name (the model's interface): the input takes it.
        g.replaceAllUses(input, output);
        g.setOutput(producer, producer.outputs.indexOf(input), output);
        g.removeValueInfos([input]);
        return `deleted ${node.label}; "${input}" is renamed "${output}" (a graph output)`;
      }
      g.replaceAllUses(output, input);
      return `deleted ${node.label}; graph output "${output}" is now "${input}"`;
    });
  },
};
