// Calibration samples run through a model in the runtime host, for what needs a model's inner
// tensors: recovery's refits (recover-model.ts) and prune-channels' criterion 'reconstruction'.

import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import type { ActivationCollector } from '../../shared/prune/reconstruction-order.js';
import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import type { CollectJob } from '../runtime-host/host-protocol.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';

/** Where calibration samples come from: files (`images`: the preprocessing of a folder of PNG/JPEG images), or generated. */
export interface CalibrationSource {
  inputsPath?: string;
  images?: ImagePreprocessSpec;
  samples?: number;
  dims: Record<string, number>;
}

export const encodeProto = (p: ModelProto) => concatSegments(encodeModel(p));

/** The part of a collect job that says which samples. */
export function samplesOf(c: CalibrationSource): Omit<CollectJob, 'models' | 'tensors' | 'split'> {
  return {
    dims: c.dims,
    ...(c.inputsPath !== undefined ? { inputsPath: c.inputsPath } : {}),
    ...(c.images ? { images: c.images } : {}),
    ...(c.samples !== undefined ? { samples: c.samples } : {}),
  };
}

/** Collects tensors on the fit samples of `c` (those recovery fits on). */
export function hostCollector(host: RuntimeHost, c: CalibrationSource, signal?: AbortSignal): ActivationCollector {
  return async (model, tensors) => (await host.collect({ models: [encodeProto(model)], tensors: [[...tensors]], split: 'fit', ...samplesOf(c) }, signal ? { signal } : {})).values[0]!;
}
