// The quantize command's choices as one object (what the app's form sets and remembers), and the
// registry operation's options they give: one mapping for the CLI's flags and the app's form.

import type { ImageSpecText } from './image-spec.js';

export const QUANTIZE_MODES = ['static', 'dynamic', 'fp16', 'bf16', 'int4'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

/** Where static calibration takes its samples from. */
export type CalibrationSource = 'settings' | 'folder' | 'generated';

export interface QuantizeSettings {
  mode: QuantizeMode;
  /** Static: how ranges are calibrated. */
  method: 'minmax' | 'percentile' | 'entropy';
  perChannel: boolean;
  activationType: 'uint8' | 'int8';
  symmetric: boolean;
  reduceRange: boolean;
  /** Op types to quantize; empty: the mode's default set. */
  ops: string[];
  /** Node names left in float. */
  exclude: string[];
  /** 'settings': the model's verification inputs; 'folder': a folder of sample folders on the host; 'generated': random (poor ranges). */
  calibration: CalibrationSource;
  /** The folder, for calibration 'folder'. */
  calibrationPath: string;
  /** How many generated samples. */
  samples: number;
  /** Cleanups and fusions first, as onnxruntime's quant_pre_process (never for int4). */
  preprocess: boolean;
  /** Timed runs of each model when measuring the latency before and after. */
  runs: number;
  /** Dynamic: standard ops ('portable') or com.microsoft DynamicQuantizeMatMul ('onnxruntime'), the CLI's --target. */
  target: 'portable' | 'onnxruntime';
  /** fp16/bf16: keep in float32, by bisection, the nodes without which outputs leave `tolerance` (--auto-mixed-precision). */
  mixedPrecision: boolean;
  /** The tolerance level mixed precision keeps outputs within; '': the mode's own (--tolerance). */
  tolerance: string;
  /** How calibration images are preprocessed (a calibration folder of PNG/JPEG images), as the CLI's --resize … flags write them; '' for a step not given. */
  images: Required<ImageSpecText>;
}

/** No preprocessing step given: images resized to the input's fixed H×W, scaled by 1/255, RGB, NCHW. */
export const NO_IMAGE_STEPS: Required<ImageSpecText> = { resize: '', crop: '', scale: '', mean: '', std: '', channels: '', layout: '', input: '' };

export const DEFAULT_QUANTIZE_SETTINGS: QuantizeSettings = {
  mode: 'dynamic',
  method: 'minmax',
  perChannel: false,
  activationType: 'uint8',
  symmetric: false,
  reduceRange: false,
  ops: [],
  exclude: [],
  calibration: 'generated',
  calibrationPath: '',
  samples: 8,
  preprocess: true,
  runs: 20,
  target: 'portable',
  mixedPrecision: false,
  tolerance: '',
  images: NO_IMAGE_STEPS,
};

/** The options of the registry's `quantize-<mode>` for these settings (calibrated ranges are added later, for static). */
export function operationOptionsOf(
  s: Pick<QuantizeSettings, 'mode' | 'perChannel' | 'activationType' | 'symmetric' | 'reduceRange' | 'ops' | 'exclude'> & Partial<Pick<QuantizeSettings, 'target' | 'mixedPrecision' | 'tolerance'>>,
): Record<string, unknown> {
  const common = { ...(s.ops.length ? { ops: s.ops } : {}), ...(s.exclude.length ? { exclude: s.exclude } : {}) };
  if (s.mode === 'static') return { ...common, activationType: s.activationType, symmetric: s.symmetric, perChannel: s.perChannel, reduceRange: s.reduceRange };
  if (s.mode === 'dynamic') return { ...common, perChannel: s.perChannel, ...(s.target && s.target !== 'portable' ? { target: s.target } : {}) };
  if ((s.mode === 'fp16' || s.mode === 'bf16') && s.mixedPrecision) return { ...common, mixedPrecision: true, ...(s.tolerance ? { mixedPrecisionTolerance: s.tolerance } : {}) };
  return common;
}

/** The image preprocessing steps given, or undefined when none is (the calibration folder is then read as sample folders or images with the defaults). */
export function imageStepsGiven(images: Required<ImageSpecText>): ImageSpecText | undefined {
  return Object.values(images).some((v) => v.trim() !== '') ? images : undefined;
}
