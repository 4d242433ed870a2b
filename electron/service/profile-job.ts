import { WorkbenchError } from '../../shared/errors.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import type { AppProfileOptions } from '../../shared/protocol/profile-api.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { OpenedModel } from '../io/open-model.js';
import { compareModels } from '../profile/compare-models.js';
import { prepareModel, profileModel } from '../profile/profile-model.js';
import { DEFAULT_OPTIONS, type ProfileOptions } from '../profile/profile-options.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { JobControl } from './jobs.js';
import { stateFile, withTemp } from './state-files.js';

// Profiling and comparing in the service: the CLI's `profile` and `compare` on a document's
// states. The file as opened is used as it is; any other state (the current one after edits, a
// history step) is written to a temporary file first (external tensors copied from the source's
// files), removed whatever happens. Reports name the states, not the temporary files.

/** One state of a document: the file as opened (snapshot null) or a step's model. */
export interface ModelState {
  snapshot: ModelProto | null;
  /** How reports and messages name it (`model.onnx (step 2)`). */
  label: string;
}

export interface ProfileJobInput {
  source: OpenedModel;
  options: AppProfileOptions;
  /** The model's verification settings (used when options.inputs is 'settings'). */
  settings: VerifyInputSettings;
  tempDir?: string;
}

/** The CLI's options from the app's form (inputs from the verification settings, or generated). */
export function cliOptions(o: AppProfileOptions, settings: VerifyInputSettings, control: JobControl): ProfileOptions {
  const given = o.inputs === 'settings';
  return {
    ...DEFAULT_OPTIONS,
    provider: o.provider,
    allowFallback: o.allowFallback === true,
    runs: o.runs,
    warmup: o.warmup,
    ...(o.threads ? { intraOpThreads: o.threads } : {}),
    optimization: o.optimization,
    dims: given ? { ...settings.dims } : {},
    ...(given ? { values: { ...settings.values } } : {}),
    ...(given && settings.inputsPath !== undefined ? { inputsPath: settings.inputsPath } : {}),
    signal: control.signal,
    onProgress: (p) => control.progress(p.done, p.total, p.model ? `${p.step} (${p.model})` : p.step),
  };
}

/** The CLI words a missing provider for its flags; the app has a checkbox instead. */
function appWording<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((e: unknown) => {
    if (e instanceof WorkbenchError && e.code === 'PROVIDER_UNAVAILABLE') {
      throw new WorkbenchError(e.code, e.message.replace(/^--ep /, '').replace('(--allow-fallback runs on CPU instead)', '(tick "fall back to CPU" to run on CPU instead)'));
    }
    throw e;
  });
}

/** Profiles one state of a document in the runtime host. */
export function profileJob(host: RuntimeHost, input: ProfileJobInput, state: ModelState, control: JobControl): Promise<ProfileReport> {
  return withTemp(input.tempDir, async (dir) => {
    control.progress(0, 1, `preparing ${state.label}`);
    const file = (await stateFile(input.source, state.snapshot, dir, 'profiled.onnx')).path;
    control.signal.throwIfAborted();
    const report = await appWording(async () => profileModel(await prepareModel(file, state.label), cliOptions(input.options, input.settings, control), host));
    return { ...report, model: state.label };
  });
}

/** Compares state B (usually the current one) with state A (the original or a history step). */
export function compareJob(host: RuntimeHost, input: ProfileJobInput, a: ModelState, b: ModelState, control: JobControl): Promise<CompareReport> {
  return withTemp(input.tempDir, async (dir) => {
    control.progress(0, 1, `preparing ${a.label} and ${b.label}`);
    const fileA = (await stateFile(input.source, a.snapshot, dir, 'a.onnx')).path;
    const fileB = (await stateFile(input.source, b.snapshot, dir, 'b.onnx')).path;
    control.signal.throwIfAborted();
    const report = await appWording(() => compareModels(fileA, fileB, cliOptions(input.options, input.settings, control), host));
    return { ...report, a: { ...report.a, model: a.label }, b: { ...report.b, model: b.label } };
  });
}
