import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { AppSensitivityReport } from '../../shared/protocol/quantize-api.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { OpenedModel } from '../io/open-model.js';
import { measureSensitivity } from '../quantize/sensitivity.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { JobControl } from './jobs.js';
import { stateFile, withTemp } from './state-files.js';

// Per-layer sensitivity of a quantize step in the service: the state before the step (float)
// against the state after it, both written as files and run in the runtime host on the model's
// verification inputs (measureSensitivity, as the CLI's `sensitivity`).

export interface SensitivityJobInput {
  source: OpenedModel;
  /** The float state (null: the file as opened) and the quantized one. */
  before: ModelProto | null;
  after: ModelProto;
  verify: VerifyInputSettings;
  tempDir?: string;
}

/** The report as the protocol carries it: each layer with the quantized node computing it (what the graph shows after the step). */
export function sensitivityJob(host: RuntimeHost, i: SensitivityJobInput, control: JobControl): Promise<AppSensitivityReport> {
  return withTemp(i.tempDir, async (dir) => {
    control.progress(0, 1, 'writing both states');
    const a = await stateFile(i.source, i.before, dir, 'float.onnx');
    const b = await stateFile(i.source, i.after, dir, 'quantized.onnx');
    control.signal.throwIfAborted();
    const r = await measureSensitivity(host, a.path, b.path, i.verify, { signal: control.signal, onProgress: (p) => control.progress(p.done, p.total, p.step) });
    return { samples: r.samples, layers: r.layers.map((l) => ({ node: l.node, opType: l.opType, tensor: l.tensor, sqnrDb: l.sqnrDb, cosine: l.cosine, maxAbsError: l.maxAbsError, quantNode: l.quantNode })) };
  });
}
