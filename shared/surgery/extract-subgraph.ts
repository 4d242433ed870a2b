import type { IrNode } from '../ir/node.js';
import type { ValueInfoProto } from '../onnx/proto-types.js';
import { typeToProto, type ShapeInference } from '../shape/index.js';
import type { SurgeryEdit } from './edit.js';
import { mainGraphValue } from './find-node.js';
import { refuse, runEdit } from './run-edit.js';

export interface ExtractSubgraphOptions {
  /** Values that become the inputs of the extracted model. */
  readonly inputs: readonly string[];
  /** Values that become its outputs. */
  readonly outputs: readonly string[];
}

function typed(inferred: ShapeInference, graph: Parameters<ShapeInference['typeOf']>[0], name: string, label: string): ValueInfoProto {
  const t = inferred.typeOf(graph, name);
  if (!t || (t.kind === 'tensor' && t.elemType === 0)) refuse(label, `the type of "${name}" cannot be inferred`);
  return { name, type: typeToProto(t) };
}

/**
 * Turns the model into the part of its main graph that computes `outputs` from `inputs`: the
 * nodes needed (walking up from the outputs, stopping at the inputs), with the initializers and
 * constants they read. The new inputs and outputs are typed by shape inference on the whole model.
 * Refused when an output depends on a graph input not among `inputs` (named), or when an input is
 * computed by a node the subgraph needs anyway. Applied to the model itself, as one transaction:
 * saving it gives the extracted model, undoing gives the original back.
 */
export const extractSubgraph: SurgeryEdit<ExtractSubgraphOptions> = {
  name: 'extract-subgraph',
  description: 'keeps only the nodes that compute the given values from the given inputs (a new model between chosen values)',
  group: 'surgery',
  options: [
    { name: 'inputs', type: 'values', description: 'values that become the graph inputs' },
    { name: 'outputs', type: 'values', description: 'values that become the graph outputs' },
  ],
  apply(model, options) {
    const label = `extract ${options.inputs.length ? options.inputs.join(',') : '(no inputs)'} → ${options.outputs.join(',')}`;
    if (!options.outputs.length) refuse(label, 'no output value given');
    const g = model.graph;
    for (const v of options.inputs) mainGraphValue(model, v, 'input');
    for (const v of options.outputs) mainGraphValue(model, v, 'output');
    return runEdit(model, 'extract-subgraph', label, (inferred) => {
      const ins = new Set(options.inputs);
      const keep = new Set<IrNode>();
      const initsRead = new Set<string>();
      const seen = new Set<string>();
      const work = [...options.outputs];
      // Walk up from the outputs; which output led to a value is kept for the refusal's message.
      const from = new Map<string, string>(options.outputs.map((o) => [o, o]));
      while (work.length) {
        const v = work.pop()!;
        if (seen.has(v) || ins.has(v)) continue;
        seen.add(v);
        const p = g.producer(v);
        if (p) {
          keep.add(p);
          const reads = [...p.inputs.filter((x) => x !== ''), ...p.subgraphs.flatMap((s) => [...s.graph.outerReferences()])];
          for (const r of reads) {
            if (!from.has(r)) from.set(r, from.get(v)!);
            work.push(r);
          }
        } else if (g.initializers.has(v)) initsRead.add(v);
        else if (g.isGraphInput(v)) refuse(label, `output "${from.get(v)}" depends on graph input "${v}", which is not among the inputs`);
      }
      for (const v of ins) {
        const p = g.producer(v);
        if (p && keep.has(p)) refuse(label, `input "${v}" is computed by node ${p.label}, which the outputs need for another value`);
      }
      const newInputs = options.inputs.map((v) => typed(inferred, g, v, label));
      const newOutputs = options.outputs.map((v) => typed(inferred, g, v, label));
      // Before IR version 4 every initializer must also be a graph input.
      const legacy = model.meta.irVersion !== undefined && Number(model.meta.irVersion) < 4;
      const keptInitInputs = legacy ? g.inputs.filter((i) => initsRead.has(i.name ?? '') && !ins.has(i.name ?? '')) : [];
      const dropped = [...g.nodes].filter((n) => !keep.has(n));
      for (const n of dropped) g.removeNode(n);
      for (const name of [...g.initializers.keys()]) if (!initsRead.has(name)) g.removeInitializer(name);
      g.removeValueInfos(dropped.flatMap((n) => n.outputs));
      g.setGraphInputs([...newInputs, ...keptInitInputs]);
      g.setGraphOutputs(newOutputs);
      return `extracted ${keep.size} node(s) and ${initsRead.size} initializer(s); removed ${dropped.length} node(s)`;
    });
  },
};
