import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { TypeProto, ValueInfoProto } from '../onnx/proto-types.js';
import { inferShapes, typeToProto } from '../shape/index.js';

function shapeless(t: TypeProto | undefined): TypeProto | undefined {
  return t?.tensorType ? { tensorType: { elemType: t.tensorType.elemType ?? 0 } } : t;
}

/**
 * Re-derives the declared shapes of `graph`'s value_info and outputs from inference, after an edit
 * that changes shapes at their source (an input's shape). Declared dims would otherwise win over
 * inferred symbolic ones (a stale `1` where the batch is now `N`). Where inference knows nothing
 * of a value (an operator it does not handle), its declaration stays as it was. Journaled.
 */
export function refreshAnnotations(model: IrModel, graph: Graph): void {
  const infos = graph.extra.valueInfo ?? [];
  const outputs = graph.outputs;
  graph.setValueInfos(infos.map((vi) => ({ ...vi, type: shapeless(vi.type) })));
  graph.setGraphOutputs(outputs.map((o) => ({ ...o, type: shapeless(o.type) })));
  const inferred = inferShapes(model);
  const fresh = (vi: ValueInfoProto): ValueInfoProto => {
    const t = inferred.typeOf(graph, vi.name ?? '');
    return t && !(t.kind === 'tensor' && t.elemType === 0) ? { ...vi, type: typeToProto(t) } : vi;
  };
  graph.setValueInfos(infos.map(fresh));
  graph.setGraphOutputs(outputs.map(fresh));
}
