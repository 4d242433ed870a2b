// Calibration: the float model runs on calibration data with every tensor to be quantized added
// as an output, and a collector keeps each tensor's range. Data comes from a folder of sample
// folders (each read as `verify --inputs` reads one) or is generated (poor ranges: the caller
// warns). A plain async function, so that the runtime host can run it as is.

import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { EntropyCollector } from '../../shared/quantize/entropy-collector.js';
import { PercentileCollector } from '../../shared/quantize/percentile-collector.js';
import { checkImageSpec, type ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import { MinMaxCollector, type CalibrationMethod, type MovingAverageOptions } from '../../shared/quantize/range-collector.js';
import type { TensorRange } from '../../shared/quantize/static-options.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';
import { imageFolder, loadImageSets } from './image-inputs.js';
import { loadInputSets } from './input-sets.js';
import { createCheckSession, releaseSession, runCheckSession } from './ort-session.js';
import { ortTensorData } from './ort-tensors.js';
import { buildSets } from './verify-inputs.js';

export interface CalibrationOptions {
  method: CalibrationMethod;
  /** Symmetric activation ranges (percentile then histograms |x|). */
  symmetric?: boolean;
  /** A folder of sample folders, a folder of files, or one file (see input-sets.ts), or a folder of PNG/JPEG images; absent: generated inputs. */
  inputsPath?: string;
  /** How images in `inputsPath` become the input (defaults when absent); only for a folder of images. */
  images?: ImagePreprocessSpec;
  /** MinMax with a moving average (method minmax only). */
  movingAverage?: MovingAverageOptions;
  /** How many generated samples (without inputsPath); 8 when not given. */
  samples?: number;
  /** Sizes of symbolic input dims. */
  dims?: Record<string, number>;
  intraOpThreads?: number;
  signal?: AbortSignal;
  /** The runtime host's cancel check (it has no AbortSignal of the caller's). */
  cancelled?: () => boolean;
  onProgress?: (done: number, total: number, step: string) => void;
}

export interface CalibrationResult {
  method: CalibrationMethod;
  ranges: Map<string, TensorRange>;
  samples: number;
  /** True when the inputs were generated (random), not given. */
  generated: boolean;
  /** True when the samples came from images. */
  images?: boolean;
}

export const DEFAULT_GENERATED_SAMPLES = 8;

/** First seed of generated calibration inputs: apart from verification's and profiling's (0, 1, …), so that a check never runs on a calibration sample. */
export const CALIBRATION_SEED = 1000;

/** Calibrates the ranges of `tensors` of the float model `proto`. */
export async function calibrate(proto: ModelProto, tensors: readonly string[], o: CalibrationOptions): Promise<CalibrationResult> {
  const graph = proto.graph ?? {};
  const outputs = new Set((graph.output ?? []).map((v) => v.name));
  // Names alone: onnxruntime infers an added output's type.
  const augmented: ModelProto = { ...proto, graph: { ...graph, output: [...(graph.output ?? []), ...tensors.filter((t) => !outputs.has(t)).map((name) => ({ name }))] } };
  if (o.movingAverage && o.method !== 'minmax') throw new WorkbenchError('BAD_OPTION', `the moving average applies to the minmax method, not ${o.method}`);
  const images = o.inputsPath ? await imageFolder(o.inputsPath) : undefined;
  if (o.images && !images) throw new WorkbenchError('BAD_OPTION', `image preprocessing (--resize, --crop, --mean, …) applies to a calibration folder of PNG/JPEG images; ${o.inputsPath ?? 'generated data'} holds none`);
  // The spec may come as JSON from the service: checked here, where it is used.
  const files = images ? await loadImageSets(images, checkImageSpec(o.images ?? {}), runtimeInputs(graph)) : o.inputsPath ? await loadInputSets(o.inputsPath, runtimeInputs(graph)) : [];
  const samples = o.samples ?? DEFAULT_GENERATED_SAMPLES;
  if (!files.length && !(Number.isSafeInteger(samples) && samples >= 1)) throw new WorkbenchError('BAD_OPTION', `calibration samples: ${samples} is not a positive integer`);
  const built = buildSets(graph, { dims: o.dims ?? {}, runs: samples, fill: 'random', seed: CALIBRATION_SEED }, files, 1);
  const minmax = new MinMaxCollector(o.movingAverage ? { ...o.movingAverage, symmetric: o.symmetric ?? false } : undefined);
  const stride = o.movingAverage?.stride;
  let session: ort.InferenceSession | undefined;
  try {
    session = await createCheckSession(concatSegments(encodeModel(augmented)), 'calibration', o.intraOpThreads === undefined ? {} : { intraOpThreads: o.intraOpThreads });
    const s = session;
    // Histograms (percentile, entropy) span each tensor's full range: a MinMax pass first, then a second one.
    const passes = o.method === 'minmax' ? 1 : 2;
    const total = built.sets.length * passes;
    const pass = async (k: number, take: (name: string, values: ArrayLike<number>) => void, after?: (i: number) => void) => {
      for (const [i, set] of built.sets.entries()) {
        if (o.signal?.aborted || o.cancelled?.()) throw new WorkbenchError('CANCELLED', 'calibration: cancelled');
        o.onProgress?.(k * built.sets.length + i, total, `calibrating${passes > 1 ? ` (pass ${k + 1} of ${passes})` : ''} on ${set.info.label}`);
        const result = await runCheckSession(s, set.feeds, `calibration (${set.info.label}): float`, tensors);
        for (const t of tensors) {
          const values = ortTensorData(result[t]!).values;
          if (!Array.isArray(values)) take(t, values as ArrayLike<number>);
        }
        after?.(i);
      }
    };
    await pass(0, (t, v) => minmax.add(t, v), stride ? (i) => (i + 1) % stride === 0 && minmax.endStride() : undefined);
    let ranges = minmax.result();
    if (o.method !== 'minmax') {
      const histograms = o.method === 'percentile' ? new PercentileCollector(ranges, o.symmetric ?? false) : new EntropyCollector(ranges);
      await pass(1, (t, v) => histograms.add(t, v));
      ranges = histograms.result();
    }
    o.onProgress?.(total, total, 'calibrated');
    return { method: o.method, ranges, samples: built.sets.length, generated: files.length === 0, ...(images ? { images: true } : {}) };
  } finally {
    await releaseSession(session);
  }
}
