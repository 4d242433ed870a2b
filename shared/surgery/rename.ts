import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { EditReport, SurgeryEdit } from './edit.js';
import { findNode, graphDefining, valueNames } from './find-node.js';
import { refuse, runEdit } from './run-edit.js';

export interface RenameOptions {
  /** A value's name, or else a node's name or id. */
  readonly from: string;
  readonly to: string;
}

function renameValue(g: Graph, from: string, to: string): void {
  const producer = g.producer(from);
  if (producer) g.setOutput(producer, producer.outputs.indexOf(from), to);
  const init = g.initializers.get(from);
  if (init) {
    g.removeInitializer(from);
    g.addInitializer({ ...init, name: to });
  }
  if (g.isGraphInput(from)) g.setGraphInputs(g.inputs.map((i) => (i.name === from ? { ...i, name: to } : i)));
  // Node readers, this graph's outputs, and subgraphs that read it from here.
  g.replaceAllUses(from, to);
  const vi = g.valueInfo(from);
  if (vi) {
    g.removeValueInfos([from]);
    g.setValueInfo({ ...vi, name: to });
  }
}

function nodeNames(model: IrModel): Set<string> {
  const names = new Set<string>();
  for (const g of allGraphs(model.graph)) for (const n of g.nodes) if (n.name) names.add(n.name);
  return names;
}

/**
 * Renames a value (its producer, every reader, graph inputs and outputs, initializer, value_info,
 * and subgraphs reading it) or, when `from` names no value, a node. Refused when `to` is already
 * taken (by any value for a value, by any node for a node).
 */
export const rename: SurgeryEdit<RenameOptions> = {
  name: 'rename',
  description: 'renames a value (every use, graph inputs and outputs, value_info, subgraphs) or a node',
  group: 'surgery',
  options: [
    { name: 'from', type: 'text', description: 'the value, or else the node (name or id), to rename' },
    { name: 'to', type: 'name', description: 'the new name' },
  ],
  apply(model, { from, to }): EditReport {
    const label = `rename "${from}" to "${to}"`;
    if (to === '') refuse(label, 'the new name is empty');
    const values = valueNames(model);
    const g = graphDefining(model, from);
    if (g) {
      if ((g.extra.sparseInitializer ?? []).some((s) => s.values?.name === from)) refuse(label, `"${from}" is a sparse initializer`);
      if (values.has(to)) refuse(label, `a value named "${to}" already exists`);
      return runEdit(model, 'rename', `rename value "${from}" to "${to}"`, () => {
        renameValue(g, from, to);
        return `value "${from}" is now "${to}"`;
      });
    }
    if (!/^\d+$/.test(from) && !nodeNames(model).has(from)) throw new WorkbenchError('UNKNOWN_NAME', `no value or node named "${from}"`);
    const { node, graph } = findNode(model, from);
    if (nodeNames(model).has(to)) refuse(label, `a node named "${to}" already exists`);
    const was = node.label;
    return runEdit(model, 'rename', `rename node ${was} to "${to}"`, () => {
      graph.rename(node, to);
      return `node ${was} is now "${to}"`;
    });
  },
};
