// A ModelRunner (shared/quantize/float/mixed-precision.ts) for hosts that have onnxruntime in
// process (the CLI): every candidate model runs on the same inputs, chosen once from the float32
// model the way verification chooses them (given tensors, --value numbers, or generated with seed 0).

import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import type { ModelRunner } from '../../shared/quantize/float/mixed-precision.js';
import { DEFAULT_DIM } from '../../shared/verify/input-spec.js';
import { createCheckSession, releaseSession, runCheckSession } from '../runtime/ort-session.js';
import { ortTensorData } from '../runtime/ort-tensors.js';
import { buildSets, type InputChoices } from '../runtime/verify-inputs.js';

/** Runs models in onnxruntime CPU (its optimizer off) on one input set built for `graph` (the float32 model's). */
export function ortModelRunner(graph: GraphProto, choices: InputChoices = {}): ModelRunner {
  const { sets } = buildSets(graph, { ...choices, runs: 1 }, [], DEFAULT_DIM);
  const feeds = sets[0]!.feeds;
  return async (model) => {
    const session = await createCheckSession(concatSegments(encodeModel(model)), 'mixed-precision candidate');
    try {
      const out = await runCheckSession(session, feeds, 'mixed-precision candidate');
      return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, ortTensorData(t)]));
    } finally {
      await releaseSession(session);
    }
  };
}
