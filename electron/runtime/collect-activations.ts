// Activations for recovery after pruning: models run on the calibration samples with chosen
// tensors added as outputs, each sample's values returned. Inputs are read and generated as
// calibration reads them (calibrate.ts); the samples are split into the ones a fit uses and
// held-out ones that only measure it.

import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';
import { CALIBRATION_SEED, DEFAULT_GENERATED_SAMPLES } from './calibrate.js';
import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import { checkImageSpec } from '../../shared/quantize/image-spec.js';
import { imageFolder, loadImageSets } from './image-inputs.js';
import { loadInputSets } from './input-sets.js';
import { createCheckSession, releaseSession, runCheckSession } from './ort-session.js';
import { ortTensorData } from './ort-tensors.js';
import { buildSets } from './verify-inputs.js';

/** First seed of generated held-out samples: apart from calibration's and verification's. */
export const HELD_OUT_SEED = 2000;

export interface CollectOptions {
  /** `fit`: the samples a fit uses; `held-out`: the others (generated ones of other seeds, or the last quarter of the files). */
  split: 'fit' | 'held-out';
  inputsPath?: string;
  /** How images become the input, when `inputsPath` is a folder of PNG/JPEG images. */
  images?: ImagePreprocessSpec;
  samples?: number;
  dims?: Record<string, number>;
  cancelled?: () => boolean;
  onProgress?: (done: number, total: number, step: string) => void;
}

/** Each model's values of its tensors (and graph outputs), per sample. */
export interface CollectedActivations {
  samples: number;
  generated: boolean;
  /** [model][sample][tensor] → values. */
  values: Record<string, { dims: number[]; data: Float32Array }>[][];
}

/** Runs each of `models` on the same samples, fetching `tensors[m]` and its graph outputs. */
export async function collectActivations(models: readonly ModelProto[], tensors: readonly (readonly string[])[], o: CollectOptions): Promise<CollectedActivations> {
  const graph = models[0]!.graph ?? {};
  const images = o.inputsPath ? await imageFolder(o.inputsPath) : undefined;
  const files = images ? await loadImageSets(images, checkImageSpec(o.images ?? {}), runtimeInputs(graph)) : o.inputsPath ? await loadInputSets(o.inputsPath, runtimeInputs(graph)) : [];
  // A quarter of the files (at least one, when there are two or more) is held out.
  const held = files.length >= 2 ? Math.max(1, Math.floor(files.length / 4)) : 0;
  const chosen = o.split === 'fit' ? files.slice(0, files.length - held) : files.slice(files.length - held);
  if (files.length && !chosen.length) return { samples: 0, generated: false, values: models.map(() => []) };
  const samples = o.samples ?? DEFAULT_GENERATED_SAMPLES;
  if (!(Number.isSafeInteger(samples) && samples >= 1)) throw new WorkbenchError('BAD_OPTION', `calibration samples: ${samples} is not a positive integer`);
  const seed = o.split === 'fit' ? CALIBRATION_SEED : HELD_OUT_SEED;
  const built = buildSets(graph, { dims: o.dims ?? {}, runs: o.split === 'fit' ? samples : Math.max(2, Math.ceil(samples / 2)), fill: 'random', seed }, chosen, 1);
  const values: CollectedActivations['values'] = [];
  const total = models.length * built.sets.length;
  for (const [m, proto] of models.entries()) {
    const g = proto.graph ?? {};
    const outputs = new Set((g.output ?? []).map((v) => v.name ?? ''));
    const extra = tensors[m]!.filter((t) => !outputs.has(t));
    const augmented: ModelProto = { ...proto, graph: { ...g, output: [...(g.output ?? []), ...extra.map((name) => ({ name }))] } };
    let session: ort.InferenceSession | undefined;
    const perSample: CollectedActivations['values'][number] = [];
    try {
      session = await createCheckSession(concatSegments(encodeModel(augmented)), 'activations');
      for (const [i, set] of built.sets.entries()) {
        if (o.cancelled?.()) throw new WorkbenchError('CANCELLED', 'collecting activations: cancelled');
        o.onProgress?.(m * built.sets.length + i, total, `running ${set.info.label}`);
        const out = await runCheckSession(session, set.feeds, `activations (${set.info.label})`, [...outputs, ...extra]);
        perSample.push(
          Object.fromEntries(
            Object.entries(out).map(([name, t]) => {
              const d = ortTensorData(t);
              return [name, { dims: [...d.dims], data: Float32Array.from(d.values as ArrayLike<number>) }];
            }),
          ),
        );
      }
    } finally {
      await releaseSession(session);
    }
    values.push(perSample);
  }
  o.onProgress?.(total, total, 'collected');
  return { samples: built.sets.length, generated: files.length === 0, values };
}
