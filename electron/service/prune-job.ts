import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import type { PruneSettings } from '../../shared/protocol/prune-api.js';
import type { PruneFigures } from '../../shared/protocol/prune-figures.js';
import { countNodes } from '../../shared/rewrite/pass-manager.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { optimizationSetup } from '../optimize/optimization-setup.js';
import { hostCollector } from '../prune/activation-collector.js';
import { parametersOf } from '../prune/parameters-of.js';
import { heldOutWarning, recoverModel, type RecoveryReport } from '../prune/recover-model.js';
import { defaultedDimsNote, measureQuantized, type QuantizeLatency } from '../quantize/measure-latency.js';
import type { JobControl } from './jobs.js';
import type { EditJobInput } from './edit-job-input.js';
import type { AppliedStep, WorkOutcome } from './model-editor.js';
import { stateFile, withTemp } from './state-files.js';

// The app's Prune: what `onnx-workbench prune` does (the registry's prune-channels or
// prune-magnitude, then recovery on calibration data in the runtime host, then parameters, size
// and latency measured before and after with measure-latency.ts) applied to a document as one
// history step. Pruning and recovery are one journal transaction: undo takes both back, and a
// failure or a cancel anywhere leaves the document as it was.

export interface PruneJobInput extends EditJobInput {
  settings: PruneSettings;
}

export interface PruneWork extends WorkOutcome {
  prune: PruneFigures;
}

/** The registry operation and options the settings ask for (as the CLI's flags map to them). */
export function pruneOperationOf(s: PruneSettings): { name: string; options: Record<string, unknown> } {
  if (s.method === 'channels') {
    const picked = s.channels && Object.values(s.channels).some((c) => c.length) ? Object.fromEntries(Object.entries(s.channels).filter(([, c]) => c.length)) : undefined;
    return { name: 'prune-channels', options: { criterion: s.criterion, sparsity: s.sparsity, ...(s.hidden ? { hidden: true } : {}), ...(s.budget ? { budget: s.budget } : {}), ...(picked ? { channels: picked } : {}) } };
  }
  if (s.method === '2:4') return { name: 'prune-magnitude', options: { pattern: '2:4' } };
  return { name: 'prune-magnitude', options: { sparsity: s.sparsity } };
}

function calibrationOf(s: PruneSettings, verify: VerifyInputSettings): { inputsPath?: string; samples?: number } {
  if (s.calibration === 'generated') return { samples: s.samples };
  if (verify.inputsPath === undefined) throw new WorkbenchError('BAD_OPTION', "recovery from the verification inputs: this model's verification inputs are generated; choose files under Verification inputs, or generated calibration");
  return { inputsPath: verify.inputsPath };
}

/** Whether the operation chooses the channels on calibration samples (criterion 'reconstruction', no channels picked). */
const byReconstruction = (op: { name: string; options: Record<string, unknown> }) => op.name === 'prune-channels' && op.options.criterion === 'reconstruction' && !op.options.channels;

const figure = (e: RecoveryReport['errorBefore']) => ({ relativeL2: e.relativeL2, cosine: e.cosine, top1Agreement: e.top1Agreement });

/** Prunes the document (and recovers) as one step and measures it; the step's record carries the figures. */
export function pruneJob(i: PruneJobInput, control: JobControl): Promise<AppliedStep & { work: PruneWork }> {
  const s = i.settings;
  const op = pruneOperationOf(s);
  const byData = byReconstruction(op);
  const calibration = s.recover || byData ? calibrationOf(s, i.verify) : {};
  const label = `${op.name}${s.method === '2:4' ? ' 2:4' : ''}${byData ? ' by reconstruction' : ''}${s.channels && op.options.channels ? ' (picked channels)' : i.selection ? ` (${i.selection.length} selected node${i.selection.length === 1 ? '' : 's'})` : ''}${s.recover ? ' + recovery' : ''}`;
  const dims = { ...i.verify.dims };
  return i.editor.applyWork({ label, operation: op.name, selection: i.selection ?? null, ...(i.version !== undefined ? { version: i.version } : {}) }, async (snapshot, before): Promise<PruneWork> => {
    const ir = i.source.ir;
    const nodesBefore = countNodes(ir);
    const parametersBefore = parametersOf(ir);
    const original = snapshot();
    const setup = await optimizationSetup(i.source);
    let effect;
    try {
      const resolved = resolveOperation(i.registry, ir, op.name, op.options, i.selection as NodeId[] | undefined);
      // By reconstruction the operation runs the calibration samples (the fit split recovery uses) through the host first.
      const runtime = byData ? { ...setup.runOptions, collectActivations: hostCollector(i.host, { dims, ...calibration }, control.signal) } : setup.runOptions;
      effect = await applyOperation(ir, resolved, runtime, label, { signal: control.signal, progress: (d, t, m) => control.progress(d, t, m) });
    } finally {
      await setup.close();
    }
    const warnings: string[] = [];
    if (op.name === 'prune-magnitude') warnings.push("zeros alone do not make onnxruntime's CPU kernels faster (dense kernels multiply zeros like any number); the latency is measured");
    if (byData && !s.recover && calibration.samples !== undefined) warnings.push(`channels chosen on ${calibration.samples} generated (random) input sets: give real samples (Verification inputs) for a model you keep`);
    let recovery: RecoveryReport | undefined;
    if (s.recover) {
      recovery = await recoverModel(ir, i.host, {
        original,
        details: effect.outcome.details ?? {},
        calibration: { dims, ...calibration },
        signal: control.signal,
        onProgress: (d, t, m) => control.progress(d, t, `recovery: ${m}`),
      });
      if (recovery.generated) warnings.push(`recovery fitted on ${recovery.samples} generated (random) input sets: give real samples (Verification inputs) for a model you keep`);
      if (!recovery.applied) warnings.push('recovery left the outputs further from the original on the fit samples; it was undone, the step is pruned only');
      const overfitted = heldOutWarning(recovery);
      if (overfitted) warnings.push(overfitted);
    }
    const figures = await withTemp(i.tempDir, async (dir) => {
      control.progress(0, 1, 'measuring latency before and after');
      const a = await stateFile(i.source, i.stateModel(before), dir, 'before.onnx');
      const b = await stateFile(i.source, snapshot(), dir, 'after.onnx');
      let latency: QuantizeLatency | null = null;
      try {
        latency = await measureQuantized(a.path, b.path, { dims, values: { ...i.verify.values }, ...(i.verify.inputsPath !== undefined ? { inputsPath: i.verify.inputsPath } : {}), runs: s.runs, signal: control.signal, onProgress: (p) => control.progress(p.done, p.total, `measuring: ${p.step}`) }, i.host);
      } catch (e) {
        if (control.signal.aborted || !(e instanceof WorkbenchError)) throw e;
        warnings.push(`latency not measured: ${e.message}`);
      }
      const dimsNote = latency && defaultedDimsNote(latency);
      if (dimsNote) warnings.push(dimsNote);
      return { a: a.bytes, b: b.bytes, latency };
    });
    const prune: PruneFigures = {
      method: s.method,
      summary: effect.outcome.summary ?? null,
      parametersBefore,
      parametersAfter: parametersOf(ir),
      sizeBytesBefore: figures.a,
      sizeBytesAfter: figures.b,
      latency: figures.latency && { before: figures.latency.before, after: figures.latency.after, ratio: figures.latency.ratio, verdict: figures.latency.verdict },
      recovery: recovery
        ? {
            method: recovery.method,
            applied: recovery.applied,
            samples: recovery.samples,
            heldOutSamples: recovery.heldOutSamples,
            generated: recovery.generated,
            errorBefore: figure(recovery.errorBefore),
            errorAfter: figure(recovery.errorAfter),
            heldOutError: recovery.heldOutError && { before: figure(recovery.heldOutError.before), after: figure(recovery.heldOutError.after) },
          }
        : null,
      warnings,
    };
    // Recovery refits on calibration data outside the registry's operation, and reconstruction chooses
    // channels on calibration samples a recipe does not carry: a recipe has no step for either yet.
    const recipe = s.recover
      ? { notReplayable: 'prunes with recovery, which a recipe cannot replay yet (prune without recovery to save it as a recipe)' }
      : byData
        ? { notReplayable: 'chooses channels by reconstruction on calibration samples, which a recipe cannot replay (prune by L1 or L2 norm to save it as a recipe)' }
        : [{ operation: op.name, options: op.options }];
    return { options: { ...s } as unknown as Record<string, unknown>, matches: effect.outcome.matches, nodesBefore, nodesAfter: countNodes(ir), tolerance: null, prune, recipe };
  });
}
