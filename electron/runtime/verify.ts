// Numerical verification of a transformation: run the original and the transformed model under
// onnxruntime (its optimizer off) on the same inputs and compare every output by name.
// A plain async function holding no state between calls, so the runtime host can call it as is.

import { stat } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { compareTensors } from '../../shared/verify/compare.js';
import { checkInputValues } from '../../shared/verify/input-settings.js';
import { DEFAULT_DIM, runtimeInputs, type InputFill, type ValueRange } from '../../shared/verify/input-spec.js';
import { resolveTolerance, type Tolerance, type ToleranceName } from '../../shared/verify/tolerance.js';
import { mergeComparisons, outputFailure, type VerificationResult, type VerifyAttempt } from '../../shared/verify/verification-result.js';
import { fsError } from '../io/fs-errors.js';
import { readWholeFile } from '../io/read-file-whole.js';
import { createCheckSession, releaseSession, runCheckSession, type ModelSource } from './ort-session.js';
import { loadInputSets } from './input-sets.js';
import { ortTensorData } from './ort-tensors.js';
import { buildSets, checkGivenInputs, generatedElements, generatedInputsFailure, NOT_TRIED, planSets } from './verify-inputs.js';

export interface VerifyOptions {
  tolerance: ToleranceName | Tolerance;
  /** Tolerances of some outputs, by name, in place of `tolerance` (see chooseTolerances). */
  outputTolerances?: Record<string, ToleranceName | Tolerance>;
  /** Sizes of symbolic input dims (see planInputs); the rest default to 1 and are reported. */
  dims?: Record<string, number>;
  /** Seed of the first input set; set k uses seed + k. Defaults to 0. */
  seed?: number;
  fill?: InputFill;
  /** Range of random values, for every generated input. */
  range?: ValueRange;
  /** Values for some or all inputs; the others are generated. */
  inputs?: Record<string, ort.Tensor>;
  /** Input values from files: a file, a folder of them, or a folder of folders (see input-sets.ts). */
  inputsPath?: string;
  /** One number per input (`--value`): a scalar's value, or what every element of a larger input takes. */
  values?: Record<string, number>;
  /**
   * Sizes tried in turn for the dims nobody bound when the original model fails on generated
   * inputs (a reflect Pad or an STFT needs more than one sample); RETRY_DIMS when not given.
   */
  retryDims?: readonly number[];
  /** Input sets to run; defaults to 2 when values are random, else 1 (more would repeat the same run). */
  runs?: number;
  /** Threads per operator; onnxruntime's default when not given. */
  intraOpThreads?: number;
}

/** Larger sizes for unset dims, tried after DEFAULT_DIM fails: past most windows and kernels, and small enough to run fast. */
export const RETRY_DIMS: readonly number[] = [16, 512];

/** A retry whose generated inputs would hold more elements than this is not made (an image at 512 x 512 x 512, say). */
export const RETRY_ELEMENT_BUDGET = 2 ** 24;

async function graphOf(model: ModelSource, role: string): Promise<GraphProto> {
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    let size: number;
    try {
      size = (await stat(model)).size;
    } catch (e) {
      return fsError(e, model, `reading the ${role} model`);
    }
    bytes = await readWholeFile(model, size);
  } else bytes = model;
  const proto = decodeModel(bytes, typeof model === 'string' ? model : `${role} model`);
  return proto.graph ?? {};
}

function checkOptions(o: VerifyOptions): void {
  if (o.runs !== undefined && !(Number.isSafeInteger(o.runs) && o.runs >= 1)) throw new WorkbenchError('BAD_OPTION', `runs: ${o.runs} is not a positive integer`);
  if (o.seed !== undefined && !(Number.isSafeInteger(o.seed) && o.seed >= 0)) throw new WorkbenchError('BAD_OPTION', `seed: ${o.seed} is not a non-negative integer`);
}

/** Runs `use` with a session of `model`, released afterwards whatever happens. */
async function withSession<T>(model: ModelSource, role: string, o: VerifyOptions, use: (s: ort.InferenceSession) => Promise<T>): Promise<T> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await createCheckSession(model, role, o.intraOpThreads === undefined ? {} : { intraOpThreads: o.intraOpThreads });
    return await use(session);
  } finally {
    await releaseSession(session);
  }
}

/** The original's outputs on every set (every output `session` has); on generated inputs that make it fail, retried with larger unset dims. */
export async function runOriginal(session: ort.InferenceSession, graph: GraphProto, o: VerifyOptions) {
  const declared = runtimeInputs(graph);
  checkInputValues(graph, o.values ?? {});
  const files = o.inputsPath ? await loadInputSets(o.inputsPath, declared, [...Object.keys(o.values ?? {}), ...Object.keys(o.inputs ?? {})]) : [];
  checkGivenInputs(graph, o, files);
  const sizes = [DEFAULT_DIM, ...(o.retryDims ?? RETRY_DIMS)];
  const attempts: VerifyAttempt[] = [];
  for (let i = 0; ; i++) {
    const built = buildSets(graph, o, files, sizes[i]!);
    const results: Record<string, ort.Tensor>[] = [];
    try {
      for (const s of built.sets) results.push(await runCheckSession(session, s.feeds, built.sets.length > 1 || files.length ? `on ${s.info.label}: original` : 'original'));
      attempts.push({ defaultDim: sizes[i]! });
      return { built, attempts, results };
    } catch (e) {
      if (!(e instanceof WorkbenchError && e.code === 'RUNTIME_FAILED') || !built.plan.inputs.length) throw e;
      attempts.push({ defaultDim: sizes[i]!, error: e.message.replace(/^.*?onnxruntime failed to run it: /, '') });
      // Only dims nobody set can grow; the next size must also stay within the budget.
      const next = sizes[i + 1];
      const retry = built.plan.defaultedDims.length > 0 && next !== undefined;
      if (retry) {
        const elements = generatedElements(planSets(graph, o, files, next));
        if (elements <= RETRY_ELEMENT_BUDGET) continue;
        attempts.push({ defaultDim: next, error: `${NOT_TRIED}: the generated inputs would hold ${elements} elements` });
      }
      throw generatedInputsFailure(built, attempts, built.sets.length > 1 ? `${built.sets.length} input sets` : built.sets[0]!.info.label);
    }
  }
}

/**
 * Verifies `transformed` against `original`: both run in onnxruntime (graph optimizer disabled)
 * on the same inputs, and every output of the original must match the transformed model's output
 * of that name within `tolerance`. Models given as paths load from their files (external data
 * resolves beside them). A model onnxruntime refuses is a WorkbenchError that names it.
 */
export async function verifyModels(original: ModelSource, transformed: ModelSource, options: VerifyOptions): Promise<VerificationResult> {
  const tolerance = resolveTolerance(options.tolerance);
  const own = new Map(Object.entries(options.outputTolerances ?? {}).map(([name, t]) => [name, resolveTolerance(t)]));
  checkOptions(options);

  // One model at a time, so two large models are never loaded together. The original's session
  // is made before its graph is read for inputs: onnxruntime judges the model first.
  const orig = await withSession(original, 'original', options, async (session) => {
    const run = await runOriginal(session, await graphOf(original, 'original'), options);
    return { ...run, outputNames: session.outputNames };
  });
  const { plan, sets, seeds } = orig.built;
  const feeds = sets.map((s) => s.feeds);
  const labels = sets.map((s) => s.info.label);
  const result: VerificationResult = {
    passed: false,
    tolerance,
    outputs: [],
    boundDims: plan.boundDims,
    defaultedDims: plan.defaultedDims,
    inputSeeds: seeds,
    runs: feeds.length,
    inputSets: sets.map((s) => s.info),
    attempts: orig.attempts,
  };

  const trans = await withSession(transformed, 'transformed', options, async (session) => {
    const inputNames = new Set(session.inputNames);
    const extra = session.inputNames.find((n) => !(n in feeds[0]!));
    const outputNames = new Set(session.outputNames);
    const fetches = orig.outputNames.filter((n) => outputNames.has(n));
    const results: Record<string, ort.Tensor>[] = [];
    if (extra === undefined && fetches.length) {
      for (const f of feeds) {
        const mine = Object.fromEntries(Object.entries(f).filter(([k]) => inputNames.has(k)));
        results.push(await runCheckSession(session, mine, 'transformed', fetches));
      }
    }
    return { extra, outputNames, results };
  });
  if (trans.extra !== undefined) {
    result.reason = `the transformed model needs input '${trans.extra}', which the original does not have`;
    return result;
  }

  for (const name of orig.outputNames) {
    if (!trans.outputNames.has(name)) {
      result.outputs.push(outputFailure(name, 'missing from the transformed model'));
      continue;
    }
    const t = own.get(name) ?? tolerance;
    const comparisons = orig.results.map((r, k) => compareTensors(ortTensorData(r[name]!), ortTensorData(trans.results[k]![name]!), t));
    result.outputs.push({ ...mergeComparisons(name, comparisons, labels), ...(own.has(name) ? { tolerance: t } : {}) });
  }
  result.passed = result.outputs.length > 0 && result.outputs.every((o) => o.passed);
  return result;
}
