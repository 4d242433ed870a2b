import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import type { OpenedModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { JobControl } from './jobs.js';

export interface VerifyStepInput {
  /** The document as opened: its file is what the step is compared with. */
  source: OpenedModel;
  /** The model as the step left it (taken when the step was applied). */
  snapshot: ModelProto;
  tolerance: ToleranceChoice;
  /** The model's verification settings (dims, input values, an inputs file or folder). */
  settings: VerifyInputSettings;
  /** Where the temporary copy goes (default: the OS's temporary folder). */
  tempDir?: string;
}

/**
 * Verifies a history step: the snapshot is written to a temporary file (external tensors copied
 * from the source's files), then the runtime host runs the original file and it on the same
 * inputs and compares every output. The temporary file is removed whatever happens.
 */
export async function verifyStep(host: RuntimeHost, input: VerifyStepInput, control: JobControl): Promise<VerificationResult> {
  const dir = await mkdtemp(join(input.tempDir ?? tmpdir(), 'owb-verify-'));
  try {
    control.progress(0, 2, 'writing the edited model');
    const file = join(dir, 'step.onnx');
    await saveModel(input.snapshot, file, { source: input.source });
    control.signal.throwIfAborted();
    control.progress(1, 2, 'running the original and the edited model');
    const { tolerance, outputs } = input.tolerance;
    const job = { original: input.source.path, transformed: file, tolerance, outputTolerances: outputs, inputs: input.settings };
    return await host.verify(job, { signal: control.signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
