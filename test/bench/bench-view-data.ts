import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelBytes } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { GraphInfo, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { graphPart, graphPartCount } from '../../shared/protocol/graph-parts.js';
import { toJson } from '../../shared/protocol/wire.js';
import { graphInfoOf } from './bench-view-graph.js';
import { transformerModel, type TransformerOptions } from './bench-view-models.js';

// The benchmark's models, built with the model builder and written as the Backend would hand
// them to the page: the model summary and the main graph (with inferred shapes where cheap), as
// the envelopes the HTTP transport answers with (the graph in its parts).

export interface BenchModel {
  name: string;
  title: string;
  nodes: number;
  graph: GraphInfo;
  /** Length of the graph's JSON. */
  bytes: number;
  /** The model file. */
  file: string;
  /** The model as built (the edit rows apply a fusion to it). */
  proto: ModelProto;
  /** Whether its graph was written with inferred shapes. */
  infer: boolean;
}

/**
 * Builds a model and writes `<dir>/<name>.onnx`, `<name>.graph.json` (for the layout peers), and
 * the answers to `initialModel` (`<name>.initialModel.json`) and `getGraphPart`
 * (`<name>.getGraphPart.<part>.json`).
 */
export function writeBenchModel(dir: string, name: string, title: string, o: TransformerOptions, infer: boolean): BenchModel {
  mkdirSync(dir, { recursive: true });
  const proto = transformerModel(o);
  // Version 0: the edit rows' getGraphChanges answer starts from it, as the service's would.
  const graph = { ...graphInfoOf(proto, infer), version: 0 };
  const encoded = modelBytes(proto);
  const bytes = encoded.length;
  writeFileSync(join(dir, `${name}.onnx`), encoded);
  const opened: OpenedModelInfo = {
    modelId: name,
    name: `${name}.onnx`,
    path: null,
    fileSize: bytes,
    summary: summarizeModel(new IrModel(proto)),
  };
  writeFileSync(join(dir, `${name}.initialModel.json`), toJson({ ok: true, result: opened }));
  for (let part = 0; part < graphPartCount(graph); part++) {
    writeFileSync(join(dir, `${name}.getGraphPart.${part}.json`), toJson({ ok: true, result: graphPart(graph, part) }));
  }
  const text = JSON.stringify(graph);
  writeFileSync(join(dir, `${name}.graph.json`), text);
  return { name, title, nodes: graph.nodes.length, graph, bytes: text.length, file: join(dir, `${name}.onnx`), proto, infer };
}
