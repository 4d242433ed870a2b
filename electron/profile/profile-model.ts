// `profile`: plan the inputs, let the runtime host measure, then read its trace and optimized
// graph here and build the report. The host only runs onnxruntime; everything else stays in the
// service, so a crash of the host loses a measurement, never the service's state.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { elemTypeName } from '../../shared/onnx/element-types.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { attributeTrace } from '../../shared/profile/attribution.js';
import { indexGraph, type GraphIndex } from '../../shared/profile/graph-index.js';
import { REPORT_SCHEMA_VERSION, type InputInfo, type ProfileReport, type ProviderInfo } from '../../shared/profile/report-schema.js';
import { spreadOf } from '../../shared/profile/stats.js';
import { parseTrace } from '../../shared/profile/trace.js';
import { planInputs, runtimeInputs, type InputSpec } from '../../shared/verify/input-spec.js';
import { openModel, type OpenedModel } from '../io/open-model.js';
import type { HostTensor, MeasuredModel, MeasureJob } from '../runtime-host/host-protocol.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import { loadInputFiles } from '../runtime/input-files.js';
import { checkProfileOptions, chooseProvider, sessionSettings, type ProfileOptions } from './profile-options.js';

export interface PreparedModel {
  opened: OpenedModel;
  graph: GraphProto;
  index: GraphIndex;
  /** How messages name it. */
  label: string;
}

export interface PlannedInputs {
  given: HostTensor[];
  generate: InputSpec[];
  info: InputInfo[];
  /** Dims no one set, generated at their default size. */
  defaultedDims: string[];
}

/** Opens and indexes a model (every problem a one-line WorkbenchError naming the file). */
export async function prepareModel(path: string, label = basename(path)): Promise<PreparedModel> {
  const opened = await openModel(path);
  const graph = opened.proto.graph ?? {};
  return { opened, graph, index: indexGraph(graph), label };
}

/** Inputs from --inputs files where given, generated (seeded, same in every run) for the rest. */
export async function planModelInputs(graph: GraphProto, o: ProfileOptions): Promise<PlannedInputs> {
  const declared = runtimeInputs(graph);
  const loaded = o.inputsPath ? await loadInputFiles(o.inputsPath, declared) : new Map();
  const plan = planInputs(graph, { dims: o.dims, fill: o.fill, skip: [...loaded.keys()], ...(o.values ? { values: o.values } : {}) });
  const info: InputInfo[] = [];
  for (const vi of declared) {
    const name = vi.name ?? '';
    const l = loaded.get(name);
    const spec = plan.inputs.find((s) => s.name === name);
    if (l) info.push({ name, type: elemTypeName(l.elemType), shape: l.tensor.dims, source: basename(l.source) });
    else if (spec) info.push({ name, type: elemTypeName(spec.elemType), shape: spec.shape, source: spec.value !== undefined ? `value ${spec.value}` : spec.fill });
  }
  return { given: [...loaded.values()].map((l) => l.tensor), generate: plan.inputs, info, defaultedDims: plan.defaultedDims };
}

export function measureJob(models: PreparedModel[], inputs: PlannedInputs, o: ProfileOptions, provider: ProviderInfo, workDir: string, fetchOutputs: boolean): MeasureJob {
  return {
    models: models.map((m) => ({ path: m.opened.path, label: m.label })),
    session: sessionSettings(o, provider.used),
    inputs: { given: inputs.given, generate: inputs.generate, seed: o.seed },
    warmup: o.warmup,
    runs: o.runs,
    workDir,
    fetchOutputs,
  };
}

/** The report of one measured model: its trace read and tied to the model's nodes. */
export async function buildProfileReport(
  m: PreparedModel,
  measured: MeasuredModel,
  o: ProfileOptions,
  provider: ProviderInfo,
  inputs: PlannedInputs,
  onnxruntimeVersion: string,
): Promise<ProfileReport> {
  const trace = parseTrace(await readFile(measured.traceFile, 'utf8'), `${m.label}: onnxruntime's profile`);
  const runtime = measured.optimizedModel ? indexGraph(decodeModel(await readFile(measured.optimizedModel), `${m.label}: onnxruntime's optimized graph`).graph ?? {}) : null;
  const a = attributeTrace(trace, o.warmup, m.index, runtime);
  const plain = spreadOf(measured.plainMs);
  const profiled = spreadOf(measured.profiledMs);
  return {
    schema: 'onnx-workbench.profile',
    schemaVersion: REPORT_SCHEMA_VERSION,
    model: m.opened.path,
    fileSize: m.opened.fileSize,
    provider,
    optimization: o.optimization,
    runs: o.runs,
    warmup: o.warmup,
    threads: { intraOp: o.intraOpThreads ?? null, interOp: o.interOpThreads ?? null },
    inputs: inputs.info,
    seed: o.seed,
    endToEnd: {
      medianMs: plain.median,
      p90Ms: plain.p90,
      minMs: plain.min,
      maxMs: plain.max,
      withProfilerMedianMs: profiled.median,
      withProfilerP90Ms: profiled.p90,
      tracedMedianMs: a.tracedRunMs,
    },
    kernelSumMs: a.kernelSumMs,
    kernelMedianSumMs: a.kernelMedianSumMs,
    nodeSum: a.nodeSum,
    nodes: a.nodes,
    unattributedMs: a.summary.unattributedMs,
    attribution: a.summary,
    byOpType: a.byOpType,
    byProvider: a.byProvider,
    onnxruntimeVersion,
    createdAt: new Date().toISOString(),
  };
}

/** Runs `use` with a fresh folder for the host's files, removed afterwards. */
export async function withWorkDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'owb-profile-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Profiles one model (a path, or one prepareModel opened) in the runtime host. */
export async function profileModel(model: string | PreparedModel, o: ProfileOptions, host: RuntimeHost): Promise<ProfileReport> {
  checkProfileOptions(o);
  const m = typeof model === 'string' ? await prepareModel(model) : model;
  const inputs = await planModelInputs(m.graph, o);
  const provider = await chooseProvider(host, o);
  return withWorkDir(async (dir) => {
    const result = await host.measure(measureJob([m], inputs, o, provider, dir, false), {
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    });
    return buildProfileReport(m, result.models[0]!, o, provider, inputs, result.onnxruntimeVersion);
  });
}
