// onnxruntime session options from the workbench's settings, and provider probing. Runs inside
// the runtime host: loading a GPU provider is native code that may crash.

import * as ort from 'onnxruntime-node';
import { graph, model, modelBytes, node, valueInfo } from '../../shared/builder/index.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { ortMessage } from '../runtime/ort-session.js';
import type { ProbeResult, ProviderName, SessionSettings, TensorRtOptions } from './host-protocol.js';

export interface SessionFiles {
  /** Turns the profiler on, writing `<prefix>_<date>.json`. */
  profilePrefix?: string;
  /** Where onnxruntime writes the graph it optimized (weights go to a `.data` file beside it). */
  optimizedModelPath?: string;
}

/**
 * onnxruntime-node passes only deviceId to TensorRT; the TensorRT provider reads its other
 * settings from these environment variables when it is created (see the README's caveat).
 */
function applyTensorRtEnv(o: TensorRtOptions | undefined): void {
  const set = (k: string, v: string | undefined) => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  set('ORT_TENSORRT_FP16_ENABLE', o?.fp16 ? '1' : undefined);
  set('ORT_TENSORRT_INT8_ENABLE', o?.int8 ? '1' : undefined);
  set('ORT_TENSORRT_ENGINE_CACHE_ENABLE', o?.engineCachePath ? '1' : undefined);
  set('ORT_TENSORRT_CACHE_PATH', o?.engineCachePath);
}

function providerList(provider: ProviderName, deviceId: number): ort.InferenceSession.ExecutionProviderConfig[] {
  // CPU last: nodes a GPU provider cannot take run there (the trace says which ran where).
  if (provider === 'tensorrt') return [{ name: 'tensorrt', deviceId }, { name: 'cuda', deviceId }, 'cpu'];
  if (provider === 'cuda') return [{ name: 'cuda', deviceId }, 'cpu'];
  return ['cpu'];
}

/** Session options for `s`, with the profiler and the optimized-graph dump when `files` asks. */
export function sessionOptions(s: SessionSettings, files: SessionFiles = {}): ort.InferenceSession.SessionOptions {
  if (s.provider === 'tensorrt') applyTensorRtEnv(s.tensorrt);
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: providerList(s.provider, s.deviceId),
    graphOptimizationLevel: s.optimization,
    executionMode: 'sequential',
    // Warnings about the model (unused initializers, say) would only clutter the host's log.
    logSeverityLevel: 3,
  };
  if (s.intraOpThreads !== undefined) o.intraOpNumThreads = s.intraOpThreads;
  if (s.interOpThreads !== undefined) o.interOpNumThreads = s.interOpThreads;
  if (Object.keys(s.freeDimensionOverrides).length) o.freeDimensionOverrides = { ...s.freeDimensionOverrides };
  if (files.profilePrefix) {
    o.enableProfiling = true;
    o.profileFilePrefix = files.profilePrefix;
  }
  if (files.optimizedModelPath) {
    o.optimizedModelFilePath = files.optimizedModelPath;
    const dataName = `${files.optimizedModelPath.split(/[\\/]/).pop()}.data`;
    // Weights apart: the graph is what we read, and a protobuf over 2 GB could not be written at all.
    o.extra = { session: { optimized_model_external_initializers_file_name: dataName, optimized_model_external_initializers_min_size_in_bytes: '1024' } };
  }
  return o;
}

/** A one-node model for trial sessions. */
function trialModel(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Relu', ['x'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 4])],
      }),
    ),
  );
}

/**
 * Whether `provider` works here: onnxruntime-node must know it (listSupportedBackends) and a
 * trial session on it must start (its libraries load, a device answers).
 */
export async function probeProvider(provider: ProviderName, deviceId: number): Promise<ProbeResult> {
  if (provider === 'cpu') return { available: true };
  const listed = ort.listSupportedBackends().find((b) => b.name === provider);
  if (!listed) return { available: false, reason: `this onnxruntime-node build has no ${provider} provider` };
  try {
    const session = await ort.InferenceSession.create(trialModel(), { executionProviders: [{ name: provider, deviceId }], logSeverityLevel: 4 });
    await session.release();
    return { available: true };
  } catch (e) {
    const hint = listed.bundled ? '' : ' (its libraries are not installed: `npm run setup:gpu` fetches them)';
    return { available: false, reason: `${provider} provider cannot start${hint}: ${ortMessage(e)}` };
  }
}
