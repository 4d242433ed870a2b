// Numerical verification of a transformation: run the original and the transformed model under
// onnxruntime (its optimizer off) on the same inputs and compare every output by name.
// A plain async function holding no state between calls, so the runtime host can call it as is.

import { stat } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { compareTensors } from '../../shared/verify/compare.js';
import { planInputs, runtimeInputs, type InputFill, type InputPlan, type ValueRange } from '../../shared/verify/input-spec.js';
import { resolveTolerance, type Tolerance, type ToleranceName } from '../../shared/verify/tolerance.js';
import { mergeComparisons, outputFailure, type VerificationResult } from '../../shared/verify/verification-result.js';
import { fsError } from '../io/fs-errors.js';
import { readWholeFile } from '../io/read-file-whole.js';
import { createCheckSession, releaseSession, runCheckSession, type ModelSource } from './ort-session.js';
import { generateOrtInputs, ortTensorData } from './ort-tensors.js';

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
  /** Input sets to run; defaults to 2 when values are random, else 1 (more would repeat the same run). */
  runs?: number;
  /** Threads per operator; onnxruntime's default when not given. */
  intraOpThreads?: number;
}

const DEFAULT_RUNS = 2;

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

/** Input sets: the given values, plus generated ones with a seed per set. */
function inputSets(plan: InputPlan, o: VerifyOptions): { feeds: Record<string, ort.Tensor>[]; seeds: number[]; labels: string[] } {
  const given = o.inputs ?? {};
  const random = plan.inputs.some((s) => s.fill === 'random');
  if (!random) {
    const feeds = { ...given, ...generateOrtInputs(plan.inputs, 0) };
    return { feeds: [feeds], seeds: [], labels: [plan.inputs.length ? `${plan.inputs[0]!.fill} inputs` : 'given inputs'] };
  }
  const runs = o.runs ?? DEFAULT_RUNS;
  const base = o.seed ?? 0;
  const seeds = Array.from({ length: runs }, (_, k) => base + k);
  return {
    feeds: seeds.map((s) => ({ ...given, ...generateOrtInputs(plan.inputs, s) })),
    seeds,
    labels: seeds.map((s, k) => `input set ${k + 1} (seed ${s})`),
  };
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

function planFor(graph: GraphProto, o: VerifyOptions): InputPlan {
  const given = Object.keys(o.inputs ?? {});
  const declared = runtimeInputs(graph).map((i) => i.name ?? '');
  const unknown = given.filter((k) => !declared.includes(k));
  if (unknown.length) {
    throw new WorkbenchError('BAD_OPTION', `inputs: '${unknown[0]}' is not an input of the original model (its inputs: ${declared.join(', ') || 'none'})`);
  }
  return planInputs(graph, { dims: o.dims, fill: o.fill, range: o.range, skip: given });
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
    const plan = planFor(await graphOf(original, 'original'), options);
    const sets = inputSets(plan, options);
    const results: Record<string, ort.Tensor>[] = [];
    for (const f of sets.feeds) results.push(await runCheckSession(session, f, 'original'));
    return { plan, sets, outputNames: session.outputNames, results };
  });
  const { feeds, seeds, labels } = orig.sets;
  const result: VerificationResult = {
    passed: false,
    tolerance,
    outputs: [],
    boundDims: orig.plan.boundDims,
    defaultedDims: orig.plan.defaultedDims,
    inputSeeds: seeds,
    runs: feeds.length,
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
