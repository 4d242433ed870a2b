// Messages between the workbench service and the runtime host process. They travel by
// structured clone (child_process 'advanced' serialization, or Electron's utilityProcess), so
// typed arrays cross as they are.

import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import type { CalibrationMethod, MovingAverageOptions } from '../../shared/quantize/range-collector.js';
import type { TensorRange } from '../../shared/quantize/static-options.js';
import type { InputSpec } from '../../shared/verify/input-spec.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { Tolerance, ToleranceName } from '../../shared/verify/tolerance.js';
import type { DirectFromHost, DirectToHost } from '../serving/direct-messages.js';

export type ProviderName = 'cpu' | 'cuda' | 'tensorrt';
export const PROVIDERS: readonly ProviderName[] = ['cpu', 'cuda', 'tensorrt'];

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export const OPTIMIZATION_LEVELS: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export interface TensorRtOptions {
  fp16?: boolean;
  int8?: boolean;
  engineCachePath?: string;
}

export interface SessionSettings {
  provider: ProviderName;
  deviceId: number;
  tensorrt?: TensorRtOptions;
  intraOpThreads?: number;
  interOpThreads?: number;
  optimization: OptimizationLevel;
  /** Symbolic dimension name → size, fixed when the session is made. */
  freeDimensionOverrides: Record<string, number>;
}

/** A tensor crossing the process boundary: onnxruntime's type name, dims and values. */
export interface HostTensor {
  name: string;
  type: string;
  dims: number[];
  data: ArrayBufferView | string[];
}

export interface MeasureModel {
  path: string;
  /** How errors name it ('model A', or the file name). */
  label: string;
}

export interface MeasureJob {
  models: MeasureModel[];
  session: SessionSettings;
  /** Given tensors, plus inputs to generate (same values in every run). */
  inputs: { given: HostTensor[]; generate: InputSpec[]; seed: number };
  warmup: number;
  runs: number;
  /** A folder of the caller's for traces and optimized graphs. */
  workDir: string;
  /** Return each model's outputs of its first measured run. */
  fetchOutputs: boolean;
}

export interface MeasuredModel {
  /** session.run() wall time per measured run, profiler off / on (ms). */
  plainMs: number[];
  profiledMs: number[];
  traceFile: string;
  /** The graph onnxruntime ran, when its optimizer was on. */
  optimizedModel: string | null;
  outputs: HostTensor[];
}

export interface MeasureResult {
  models: MeasuredModel[];
  onnxruntimeVersion: string;
}

export interface ProbeResult {
  available: boolean;
  reason?: string;
}

/** Verification of a transformed model against its original (electron/runtime/verify.ts), by paths. */
export interface VerifyJob {
  original: string;
  transformed: string;
  tolerance: ToleranceName | Tolerance;
  /** Tolerances of some outputs, by name, in place of `tolerance`. */
  outputTolerances?: Record<string, Tolerance>;
  /** Where inputs come from (dims, values, an inputs file or folder); the rest are generated. */
  inputs?: VerifyInputSettings;
}

/** Calibration of a float model's tensors (electron/runtime/calibrate.ts) in the host. */
export interface CalibrateJob {
  /** The float model as prepared for quantization (encoded). */
  model: Uint8Array;
  tensors: string[];
  method: CalibrationMethod;
  symmetric?: boolean;
  inputsPath?: string;
  /** How a folder of images becomes the input (shared/quantize/image-spec.ts). */
  images?: ImagePreprocessSpec;
  movingAverage?: MovingAverageOptions;
  samples?: number;
  dims: Record<string, number>;
}

/** Calibrated ranges by tensor name, and what they came from. */
export interface CalibrateResult {
  method: CalibrationMethod;
  ranges: Record<string, TensorRange>;
  samples: number;
  generated: boolean;
  /** True when the samples came from images. */
  images?: boolean;
}

/** Per-layer sensitivity of a quantized model against its float model (electron/runtime/sensitivity-run.ts). */
export interface SensitivityJob {
  /** Each model as a path or its encoded bytes. */
  float: string | Uint8Array;
  quant: string | Uint8Array;
  /** Where inputs come from, as verification takes them; the rest are generated. */
  inputs?: VerifyInputSettings;
}

/** A served model's input or output as onnxruntime reports it (null dims: free; null shape: rank unknown). */
export interface ServedValueInfo {
  name: string;
  /** onnxruntime's tensor type name ('float32', 'int64', ...), or 'non-tensor'. */
  type: string;
  shape: (number | null)[] | null;
}

export interface ServedModelInfo {
  inputs: ServedValueInfo[];
  outputs: ServedValueInfo[];
}

/** One inference for the model server (electron/serving): the session is kept in the host between requests. */
export interface InferJob {
  model: string;
  session: SessionSettings;
  inputs: HostTensor[];
  /** Outputs to fetch; all when absent. */
  outputs?: string[];
}

export interface InferResult {
  outputs: HostTensor[];
  /** session.run() wall time in the host (ms). */
  runMs: number;
}

/** Activations of models on calibration samples (electron/runtime/collect-activations.ts), for recovery after pruning. */
export interface CollectJob {
  /** Encoded models, run on the same samples. */
  models: Uint8Array[];
  /** Per model, the tensors to fetch besides its graph outputs. */
  tensors: string[][];
  split: 'fit' | 'held-out';
  inputsPath?: string;
  /** Preprocessing when `inputsPath` is a folder of images. */
  images?: ImagePreprocessSpec;
  samples?: number;
  dims: Record<string, number>;
}

export type HostRequest =
  | { kind: 'probe'; provider: ProviderName; deviceId: number }
  | { kind: 'describe'; model: string; session: SessionSettings }
  | { kind: 'infer'; job: InferJob }
  | { kind: 'measure'; job: MeasureJob }
  | { kind: 'verify'; job: VerifyJob }
  | { kind: 'calibrate'; job: CalibrateJob }
  | { kind: 'sensitivity'; job: SensitivityJob }
  | { kind: 'collect'; job: CollectJob }
  /** Test only (the host refuses them unless ONNX_WORKBENCH_HOST_TEST=1): die as a native crash would. */
  | { kind: 'test-abort' }
  /** Test only: block the host's thread for `ms`, as a native hang would. */
  | { kind: 'test-sleep'; ms: number };

export type ToHost = { type: 'request'; id: number; request: HostRequest } | { type: 'cancel'; id: number } | DirectToHost;

export type FromHost =
  | { type: 'ready' }
  /** What the host is doing now: named in the error if it dies doing it. */
  | { type: 'step'; id: number; step: string; model?: string }
  | { type: 'progress'; id: number; done: number; total: number; step: string; model?: string }
  | { type: 'result'; id: number; result: unknown }
  /** `user`: the input's fault (a model onnxruntime rejects, bad inputs): exit code 2; else the run failed: 1. */
  | { type: 'error'; id: number; code: string; message: string; user: boolean }
  | DirectFromHost;

/** Env var that enables the test-only requests in the host. */
export const HOST_TEST_ENV = 'ONNX_WORKBENCH_HOST_TEST';
/** Env var (tests only, with HOST_TEST_ENV) making the next measure job 'abort' or 'hang' once its sessions exist. */
export const HOST_FAULT_ENV = 'ONNX_WORKBENCH_HOST_FAULT';
