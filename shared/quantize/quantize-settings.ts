// The quantize command's choices as one object (what the app's form sets and remembers), and the
// registry operation's options they give: one mapping for the CLI's flags and the app's form.

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
}

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
};

/** The options of the registry's `quantize-<mode>` for these settings (calibrated ranges are added later, for static). */
export function operationOptionsOf(s: Pick<QuantizeSettings, 'mode' | 'perChannel' | 'activationType' | 'symmetric' | 'reduceRange' | 'ops' | 'exclude'>): Record<string, unknown> {
  const common = { ...(s.ops.length ? { ops: s.ops } : {}), ...(s.exclude.length ? { exclude: s.exclude } : {}) };
  if (s.mode === 'static') return { ...common, activationType: s.activationType, symmetric: s.symmetric, perChannel: s.perChannel, reduceRange: s.reduceRange };
  if (s.mode === 'dynamic') return { ...common, perChannel: s.perChannel };
  return common;
}
