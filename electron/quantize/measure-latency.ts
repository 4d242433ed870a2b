// Latency of the original and the quantized model, measured as `compare` measures (one host job,
// interleaved runs on the same inputs, onnxruntime's optimizer on as deployed), for the verdict
// the quantize command prints before it saves.

import { quantizedRegions, type RegionTiming } from '../../shared/quantize/quantized-regions.js';
import { compareModels } from '../profile/compare-models.js';
import { planModelInputs, prepareModel } from '../profile/profile-model.js';
import { DEFAULT_OPTIONS, type ProfileOptions } from '../profile/profile-options.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';

/** Measured latency before and after (medians, ms), their ratio, and whether after is slower beyond noise. */
export interface QuantizeLatency {
  before: number;
  after: number;
  ratio: number;
  /** compare's verdict line (ratio, p-value, runs). */
  verdict: string;
  slower: boolean;
  /** Outputs' cosine between the two models on the measured inputs, by output name. */
  cosine: Record<string, number | null>;
  top1Agreement: Record<string, number | null>;
  top5Agreement: Record<string, number | null>;
  /** Each quantized region's kernel time in both models, from the same measurement (the pays-off check). */
  regions: RegionTiming[];
  /** Kernel time per run (sum of typical kernel times, ms) of each model: what the regions' times are parts of. */
  kernelMs: { before: number; after: number };
  /** Dims no one set (no --dim, no input file), measured at 1: the figures may not be those of the size deployed. */
  defaultedDims: string[];
}

export interface LatencyOptions {
  dims: Record<string, number>;
  /** `--value` numbers, as verification takes them. */
  values?: Record<string, number>;
  runs?: number;
  warmup?: number;
  threads?: number;
  inputsPath?: string;
  signal?: AbortSignal;
  onProgress?: ProfileOptions['onProgress'];
}

/** Measures `quantized` against `original` (both paths). */
export async function measureQuantized(original: string, quantized: string, o: LatencyOptions, host: RuntimeHost): Promise<QuantizeLatency> {
  const options: ProfileOptions = {
    ...DEFAULT_OPTIONS,
    dims: o.dims,
    ...(o.values && Object.keys(o.values).length ? { values: o.values } : {}),
    runs: o.runs ?? 20,
    warmup: o.warmup ?? DEFAULT_OPTIONS.warmup,
    ...(o.threads !== undefined ? { intraOpThreads: o.threads } : {}),
    ...(o.inputsPath !== undefined ? { inputsPath: o.inputsPath } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  const r = await compareModels(original, quantized, options, host);
  const prepared = await prepareModel(original);
  const regions = quantizedRegions(prepared.index, (await prepareModel(quantized)).index, r.a.nodes, r.b.nodes);
  const { defaultedDims } = await planModelInputs(prepared.graph, options);
  const kernelSum = (nodes: readonly { typicalMs: number }[]) => nodes.reduce((s, n) => s + n.typicalMs, 0);
  return {
    before: r.a.endToEnd.medianMs,
    after: r.b.endToEnd.medianMs,
    ratio: r.latencyRatio,
    verdict: r.verdict,
    slower: !r.withinNoise && r.latencyRatio > 1,
    cosine: Object.fromEntries(r.outputs.map((x) => [x.name, x.cosine])),
    top1Agreement: Object.fromEntries(r.outputs.map((x) => [x.name, x.top1Agreement])),
    top5Agreement: Object.fromEntries(r.outputs.map((x) => [x.name, x.top5Agreement ?? null])),
    regions,
    kernelMs: { before: kernelSum(r.a.nodes), after: kernelSum(r.b.nodes) },
    defaultedDims,
  };
}

/** The note a measurement on unset dims gets (null when every dim was set). */
export function defaultedDimsNote(l: Pick<QuantizeLatency, 'defaultedDims'>): string | null {
  if (!l.defaultedDims.length) return null;
  return `latency measured with ${l.defaultedDims.join(', ')} at 1, as no size was given: set ${l.defaultedDims.map((d) => `--dim ${d}=N`).join(' ')} (in the app: Verification inputs) to measure at the size you deploy`;
}
