import { resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import type { QuantizeFigures } from '../../shared/protocol/quantize-figures.js';
import { checkImageSpec, imageSpecFieldsOfText } from '../../shared/quantize/image-spec.js';
import { imageStepsGiven, operationOptionsOf, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { allGraphs } from '../../shared/ir/model.js';
import type { RecipeStep } from '../../shared/recipe/parse-recipe.js';
import { countNodes } from '../../shared/rewrite/pass-manager.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { OpenedModel } from '../io/open-model.js';
import { defaultedDimsNote, measureQuantized, type QuantizeLatency } from '../quantize/measure-latency.js';
import { quantizeModel, type QuantizeRequest } from '../quantize/quantize-model.js';
import type { JobControl } from './jobs.js';
import type { EditJobInput } from './edit-job-input.js';
import type { AppliedStep, WorkOutcome } from './model-editor.js';
import { stateFile, withTemp } from './state-files.js';

// The app's Quantize: the CLI's pipeline (quantize-model.ts: preprocessing, calibration in the
// runtime host, the registry's quantize-<mode>) applied to a document as one history step, then
// the state before it and the state after it measured as `quantize` measures them
// (measure-latency.ts). All of it is one journal transaction: a failure or a cancel anywhere,
// the measurement included, leaves the document as it was.

export interface QuantizeJobInput extends EditJobInput {
  settings: QuantizeSettings;
  /** Re-apply in place of this step (the history goes back to the state before it first). */
  replaceStep?: number;
}

export interface QuantizeWork extends WorkOutcome {
  quantize: QuantizeFigures;
}

/** Where calibration takes its samples from, as the CLI's --calibration/--samples. */
function calibrationOf(s: QuantizeSettings, verify: VerifyInputSettings): Pick<QuantizeRequest['calibration'], 'inputsPath' | 'samples' | 'images'> {
  if (s.calibration === 'generated') return { samples: s.samples };
  if (s.calibration === 'folder') {
    if (!s.calibrationPath.trim()) throw new WorkbenchError('BAD_OPTION', 'calibration folder: give the folder of sample folders (each with one <input>.npy or .pb per input) or of PNG/JPEG images');
    // Steps given apply to a folder of images (calibration says so when the folder holds none).
    const steps = imageStepsGiven(s.images);
    return { inputsPath: resolve(s.calibrationPath.trim()), ...(steps ? { images: checkImageSpec(imageSpecFieldsOfText(steps)) } : {}) };
  }
  if (verify.inputsPath === undefined) throw new WorkbenchError('BAD_OPTION', "calibration from the verification inputs: this model's verification inputs are generated; choose files under Verification inputs, a calibration folder, or generated calibration");
  return { inputsPath: verify.inputsPath };
}

/** The recipe steps that replay a quantize job: the preprocessing preset, then the operation with its options and calibration. */
function replayOf(s: QuantizeSettings, operation: string, calibration: ReturnType<typeof calibrationOf> | Record<string, never>): RecipeStep[] {
  const steps: RecipeStep[] = s.preprocess && s.mode !== 'int4' ? [{ operation: 'preset:default', options: {} }] : [];
  const step: RecipeStep = { operation, options: operationOptionsOf(s) };
  if (s.mode === 'static') step.calibration = { method: s.method, ...calibration };
  return [...steps, step];
}

/** Selected nodes after preprocessing: those still there by id, those replaced by a fusion by name. */
function scopeAfterPreprocessing(selection: number[] | undefined, names: Map<number, string>): ((m: OpenedModel) => NodeId[] | undefined) | undefined {
  if (!selection) return undefined;
  return (m) => {
    const byName = new Map<string, NodeId>();
    const ids = new Set<NodeId>();
    for (const g of allGraphs(m.ir.graph)) {
      for (const n of g.nodes) {
        ids.add(n.id);
        if (n.name) byName.set(n.name, n.id);
      }
    }
    const scope = selection.map((id) => (ids.has(id) ? id : byName.get(names.get(id) ?? ''))).filter((id): id is NodeId => id !== undefined);
    return [...new Set(scope)];
  };
}

function figuresOf(s: QuantizeSettings, sizes: { before: number; after: number }, latency: QuantizeLatency | null, calibration: QuantizeFigures['calibration'], warnings: string[]): QuantizeFigures {
  return {
    mode: s.mode,
    sizeBytesBefore: sizes.before,
    sizeBytesAfter: sizes.after,
    latency: latency && { before: latency.before, after: latency.after, ratio: latency.ratio, verdict: latency.verdict },
    slower: latency?.slower ?? false,
    outputs: latency ? Object.keys(latency.cosine).map((name) => ({ name, cosine: latency.cosine[name] ?? null, top1Agreement: latency.top1Agreement[name] ?? null })) : [],
    calibration,
    excluded: [...s.exclude],
    warnings,
  };
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** Quantizes the document as one step and measures it; the step's record carries the figures. */
export function quantizeJob(i: QuantizeJobInput, control: JobControl): Promise<AppliedStep & { work: QuantizeWork }> {
  const s = i.settings;
  const operation = `quantize-${s.mode}`;
  if (!i.registry.has(operation)) throw new WorkbenchError('NOT_AVAILABLE', `mode ${s.mode} is not available`);
  const calibration = s.mode === 'static' ? calibrationOf(s, i.verify) : {};
  const names = new Map<number, string>();
  for (const g of allGraphs(i.source.ir.graph)) for (const n of g.nodes) if (n.name) names.set(n.id, n.name);
  const label = i.selection ? `${operation} (${i.selection.length} selected node${i.selection.length === 1 ? '' : 's'})` : operation;
  const dims = { ...i.verify.dims };
  return i.editor.applyWork(
    { label, operation, selection: i.selection ?? null, ...(i.version !== undefined ? { version: i.version } : {}), ...(i.replaceStep !== undefined ? { from: i.replaceStep - 1 } : {}) },
    async (snapshot, before): Promise<QuantizeWork> => {
      const nodesBefore = countNodes(i.source.ir);
      control.progress(0, 1, s.mode === 'static' ? 'preparing and calibrating' : 'quantizing');
      const q = await quantizeModel(i.source, i.registry, i.host, {
        mode: s.mode,
        options: operationOptionsOf(s),
        // int4 rewrites MatMuls; the default preset would first fuse MatMul + Add into Gemm, which it does not take.
        preprocess: s.preprocess && s.mode !== 'int4',
        verifyInputs: { dims, values: { ...i.verify.values } },
        calibration: { method: s.method, dims, ...calibration },
        signal: control.signal,
        onProgress: (done, total, step) => control.progress(done, total, step),
        ...(i.selection ? { scope: scopeAfterPreprocessing(i.selection, names)! } : {}),
      });
      const warnings: string[] = [];
      if (q.calibration?.generated) warnings.push(`calibrated on ${q.calibration.samples} generated (random) input sets: ranges from random data are poor; calibrate on real samples`);
      const figures = await withTemp(i.tempDir, async (dir) => {
        control.progress(0, 1, 'measuring latency before and after');
        const a = await stateFile(i.source, i.stateModel(before), dir, 'before.onnx');
        const b = await stateFile(i.source, snapshot(), dir, 'after.onnx');
        let latency: QuantizeLatency | null = null;
        try {
          latency = await measureQuantized(a.path, b.path, {
            dims,
            values: { ...i.verify.values },
            ...(i.verify.inputsPath !== undefined ? { inputsPath: i.verify.inputsPath } : {}),
            runs: s.runs,
            signal: control.signal,
            onProgress: (p) => control.progress(p.done, p.total, `measuring: ${p.step}`),
          }, i.host);
        } catch (e) {
          if (control.signal.aborted || !(e instanceof WorkbenchError)) throw e;
          warnings.push(`latency not measured: ${e.message}`);
        }
        const dimsNote = latency && defaultedDimsNote(latency);
        if (dimsNote) warnings.push(dimsNote);
        if (latency?.slower) warnings.push(`the quantized model is SLOWER than before: ${ms(latency.after)} ms vs ${ms(latency.before)} ms median (${latency.ratio.toFixed(2)}x the time; ${latency.verdict})`);
        return figuresOf(s, { before: a.bytes, after: b.bytes }, latency, q.calibration ? { method: q.calibration.method, samples: q.calibration.samples, generated: q.calibration.generated } : null, warnings);
      });
      return {
        options: { ...s } as unknown as Record<string, unknown>,
        matches: q.effect.outcome.matches,
        nodesBefore,
        nodesAfter: countNodes(i.source.ir),
        tolerance: q.effect.tolerance,
        quantize: figures,
        recipe: replayOf(s, operation, calibration),
      };
    },
  );
}
