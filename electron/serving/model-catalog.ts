// Loading the models to serve: each in the runtime hosts, described as onnxruntime sees it.

import { WorkbenchError } from '../../shared/errors.js';
import type { SessionSettings } from '../runtime-host/host-protocol.js';
import type { BatchScheduler } from './batch-scheduler.js';
import { isBatchable, statePairs, type ModelSpec, type ServedModel } from './served-model.js';

export async function describeModels(scheduler: BatchScheduler, specs: readonly (ModelSpec & { state?: Record<string, string> })[], session: SessionSettings): Promise<ServedModel[]> {
  const models: ServedModel[] = [];
  for (const spec of specs) {
    if (models.some((m) => m.name === spec.name && m.version === spec.version)) throw new WorkbenchError('BAD_OPTION', `model ${spec.name} version ${spec.version} is given twice`);
    const info = await scheduler.describe(spec.path, session);
    const bad = [...info.inputs, ...info.outputs].find((v) => v.type === 'non-tensor');
    if (bad) throw new WorkbenchError('UNSUPPORTED_MODEL', `${spec.path}: '${bad.name}' is not a tensor; only tensor inputs and outputs can be served`);
    models.push({ name: spec.name, version: spec.version, path: spec.path, session, inputs: info.inputs, outputs: info.outputs, batchable: isBatchable(info), state: statePairs(info, spec.state, `${spec.name}@${spec.version}`) });
  }
  return models;
}
