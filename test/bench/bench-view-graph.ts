import { graphInfo } from '../../electron/service/graph-info.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { inferShapes } from '../../shared/shape/index.js';

/** The main graph of a built model as the Backend hands it to the view (with inferred shapes). */
export function graphInfoOf(proto: ModelProto, infer = true): GraphInfo {
  const ir = new IrModel(proto);
  const inference = infer ? inferShapes(ir) : undefined;
  return graphInfo(ir.graph, [], inference ? (g, v) => inference.typeOf(g, v) : undefined);
}
