// The quantize pipeline before measuring: the model prepared as onnxruntime's quant_pre_process
// prepares it (cleanups and fusions: BatchNormalization folded into Conv, MatMul + Add into Gemm),
// ranges calibrated where the mode needs them, then the registry's `quantize-<mode>` applied.

import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import { staticRangesNeeded, type StaticOperationOptions } from '../../shared/operations/quantize-static-operation.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation, type OperationEffect } from '../../shared/operations/run-operation.js';
import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import type { CalibrationMethod, MovingAverageOptions } from '../../shared/quantize/range-collector.js';
import type { OpenedModel } from '../io/open-model.js';
import { optimizationSetup, type OptimizationSetup } from '../optimize/optimization-setup.js';
import type { IrModel } from '../../shared/ir/model.js';
import type { OperationRuntime } from '../../shared/operations/operation.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import type { CalibrateResult } from '../runtime-host/host-protocol.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import { ortModelRunner } from './model-runner.js';

export interface QuantizeRequest {
  mode: string;
  /** The operation's options (calibrated ranges are added for static). */
  options: Record<string, unknown>;
  /** Resolves --nodes on the prepared model (names survive fusions; ids do not). */
  scope?: (opened: OpenedModel) => NodeId[] | undefined;
  preprocess: boolean;
  /** Sizes and values the mixed-precision search runs candidates on (as verification takes them). */
  verifyInputs?: { dims: Record<string, number>; values: Record<string, number> };
  calibration: { method: CalibrationMethod; inputsPath?: string; images?: ImagePreprocessSpec; movingAverage?: MovingAverageOptions; samples?: number; dims: Record<string, number> };
  /** Ranges calibrated before (an earlier round of --auto): calibration is skipped when they hold every tensor needed. */
  calibrated?: CalibrateResult;
  /** Return the model as prepared, before quantizing (encoded), as `prepared`. */
  keepPrepared?: boolean;
  onProgress?: (done: number, total: number, step: string) => void;
  signal?: AbortSignal;
}

export interface QuantizeOutcome {
  effect: OperationEffect;
  calibration?: CalibrateResult;
  preprocessed: boolean;
  /** The prepared float model (with keepPrepared). */
  prepared?: Uint8Array;
}

/**
 * The operation's options with calibrated ranges added where the mode needs them (static: the
 * float model runs in the runtime host on the calibration inputs); other modes' options as given.
 */
export async function calibratedOptions(
  m: IrModel,
  registry: OperationRegistry,
  host: RuntimeHost,
  setup: OptimizationSetup,
  r: Pick<QuantizeRequest, 'mode' | 'options' | 'calibration' | 'calibrated' | 'signal' | 'onProgress'>,
  scope: NodeId[] | undefined,
): Promise<{ options: Record<string, unknown>; calibration?: CalibrateResult }> {
  const name = `quantize-${r.mode}`;
  const options = { ...r.options };
  if (r.mode !== 'static') return { options };
  const parsed = resolveOperation(registry, m, name, options, scope).options as StaticOperationOptions;
  const needed = staticRangesNeeded(m, parsed, scope ? new Set(scope) : undefined, setup.runOptions);
  if (!needed.length) throw new WorkbenchError('NOT_APPLICABLE', `quantize --mode static: nothing to quantize${scope ? ' in the selected nodes' : ''} (no Conv, ConvTranspose, Gemm or MatMul with constant weights among the allowed ops)`);
  const known = r.calibrated;
  // In the runtime host: onnxruntime runs the float model there, apart from the caller's process.
  const calibration = known && needed.every((t) => known.ranges[t]) ? known : await host.calibrate(
    {
      model: concatSegments(encodeModel(m.toProto())),
      tensors: needed,
      method: r.calibration.method,
      symmetric: parsed.symmetric,
      dims: r.calibration.dims,
      ...(r.calibration.inputsPath !== undefined ? { inputsPath: r.calibration.inputsPath } : {}),
      ...(r.calibration.images ? { images: r.calibration.images } : {}),
      ...(r.calibration.movingAverage ? { movingAverage: r.calibration.movingAverage } : {}),
      ...(r.calibration.samples !== undefined ? { samples: r.calibration.samples } : {}),
    },
    { ...(r.signal ? { signal: r.signal } : {}), ...(r.onProgress ? { onProgress: (p) => r.onProgress!(p.done, p.total, p.step) } : {}) },
  );
  options.ranges = calibration.ranges;
  return { options, calibration };
}

/** What a quantization runs with: the optimizer's runtime, and (mixed precision) onnxruntime running candidates in this process. */
export function quantizeRuntime(m: IrModel, setup: OptimizationSetup, verifyInputs: QuantizeRequest['verifyInputs']): OperationRuntime {
  return { ...setup.runOptions, runModel: ortModelRunner({ input: [...m.graph.inputs], initializer: [...m.graph.initializers.values()] }, verifyInputs ?? {}) };
}

/** Quantizes `opened.ir` in place (preprocessing and the quantization are journal steps). */
export async function quantizeModel(opened: OpenedModel, registry: OperationRegistry, host: RuntimeHost, r: QuantizeRequest): Promise<QuantizeOutcome> {
  const name = `quantize-${r.mode}`;
  if (!registry.has(name)) throw new WorkbenchError('NOT_AVAILABLE', `mode ${r.mode} is not available yet`);
  const setup = await optimizationSetup(opened);
  try {
    const m = opened.ir;
    let preprocessed = false;
    if (r.preprocess) {
      const pre = resolveOperation(registry, m, 'preset:default', {});
      try {
        await applyOperation(m, pre, setup.runOptions, 'prepare for quantization', r.signal ? { signal: r.signal } : {});
        preprocessed = true;
      } catch (e) {
        if (!(e instanceof WorkbenchError && e.code === 'NOT_APPLICABLE')) throw e;
      }
    }
    const scope = r.scope?.(opened);
    const prepared = r.keepPrepared ? concatSegments(encodeModel(m.toProto())) : undefined;
    const { options, calibration } = await calibratedOptions(m, registry, host, setup, r, scope);
    const resolved = resolveOperation(registry, m, name, options, scope);
    // The mixed-precision search runs each candidate in onnxruntime, in this process.
    const runtime = quantizeRuntime(m, setup, r.verifyInputs);
    const effect = await applyOperation(m, resolved, runtime, name, { ...(r.signal ? { signal: r.signal } : {}), ...(r.onProgress ? { progress: r.onProgress } : {}) });
    return { effect, preprocessed, ...(calibration ? { calibration } : {}), ...(prepared ? { prepared } : {}) };
  } finally {
    await setup.close();
  }
}
