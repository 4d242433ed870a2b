// What a profile or comparison is asked to do, checked once for both, and the provider choice:
// a missing GPU provider falls back to CPU only when the user allowed it, and the report says so.

import { WorkbenchError } from '../../shared/errors.js';
import type { ProviderInfo } from '../../shared/profile/report-schema.js';
import type { InputFill } from '../../shared/verify/input-spec.js';
import type { OptimizationLevel, ProviderName, SessionSettings, TensorRtOptions } from '../runtime-host/host-protocol.js';
import type { Progress, RuntimeHost } from '../runtime-host/runtime-host.js';

export interface ProfileOptions {
  provider: ProviderName;
  allowFallback: boolean;
  deviceId: number;
  tensorrt?: TensorRtOptions;
  runs: number;
  warmup: number;
  intraOpThreads?: number;
  interOpThreads?: number;
  optimization: OptimizationLevel;
  /** Sizes of symbolic dims (`batch`) or of one input's axis (`x[0]`). */
  dims: Record<string, number>;
  fill: InputFill;
  /** One number per input that every element takes (the app's verification settings). */
  values?: Record<string, number>;
  seed: number;
  /** A .npy/.pb file or a folder of them. */
  inputsPath?: string;
  onProgress?: (p: Progress) => void;
  /** Also told when the provider falls back. */
  onNote?: (line: string) => void;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

export const DEFAULT_OPTIONS: Omit<ProfileOptions, 'onProgress' | 'onNote' | 'signal'> = {
  provider: 'cpu',
  allowFallback: false,
  deviceId: 0,
  runs: 10,
  warmup: 2,
  optimization: 'all',
  dims: {},
  fill: 'random',
  seed: 0,
};

/** Checks counts that the CLI parser cannot (ranges). */
export function checkProfileOptions(o: ProfileOptions): void {
  if (!Number.isSafeInteger(o.runs) || o.runs < 1 || o.runs > 100_000) throw new WorkbenchError('BAD_OPTION', `--runs must be 1 or more, not ${o.runs}`);
  if (!Number.isSafeInteger(o.warmup) || o.warmup < 0) throw new WorkbenchError('BAD_OPTION', `--warmup must be 0 or more, not ${o.warmup}`);
  for (const [k, v] of [['--threads', o.intraOpThreads], ['--inter-threads', o.interOpThreads]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new WorkbenchError('BAD_OPTION', `${k} must be 1 or more, not ${v}`);
  }
}

/** Session settings: symbolic dims the user fixed become free-dimension overrides. */
export function sessionSettings(o: ProfileOptions, provider: ProviderName): SessionSettings {
  const overrides = Object.fromEntries(Object.entries(o.dims).filter(([k]) => !/\[\d+\]$/.test(k)));
  return {
    provider,
    deviceId: o.deviceId,
    ...(o.tensorrt ? { tensorrt: o.tensorrt } : {}),
    ...(o.intraOpThreads !== undefined ? { intraOpThreads: o.intraOpThreads } : {}),
    ...(o.interOpThreads !== undefined ? { interOpThreads: o.interOpThreads } : {}),
    optimization: o.optimization,
    freeDimensionOverrides: overrides,
  };
}

/** The provider to run on: the requested one if it works here, CPU if not and fallback is allowed. */
export async function chooseProvider(host: RuntimeHost, o: ProfileOptions): Promise<ProviderInfo> {
  const base = { requested: o.provider, ...(o.provider !== 'cpu' ? { deviceId: o.deviceId } : {}), ...(o.provider === 'tensorrt' && o.tensorrt ? { options: { ...o.tensorrt } } : {}) };
  if (o.provider === 'cpu') return { ...base, used: 'cpu', fallback: false };
  const probe = await host.probe(o.provider, o.deviceId, o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {});
  if (probe.available) return { ...base, used: o.provider, fallback: false };
  const reason = probe.reason ?? `${o.provider} is not available`;
  if (!o.allowFallback) throw new WorkbenchError('PROVIDER_UNAVAILABLE', `--ep ${o.provider}: ${reason} (--allow-fallback runs on CPU instead)`);
  o.onNote?.(`note: ${o.provider} is not available here, running on CPU (--allow-fallback): ${reason}`);
  return { requested: o.provider, used: 'cpu', fallback: true, reason };
}
