// The input sets a verification runs: values from files (--inputs), given tensors, --value
// numbers, and generated values for the rest; what each set holds, for the result; and the
// message when the original model cannot run on generated inputs.

import * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { elemTypeName, isFloatType } from '../../shared/onnx/element-types.js';
import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { planInputs, runtimeInputs, type InputFill, type InputPlan, type InputSpec, type ValueRange } from '../../shared/verify/input-spec.js';
import type { InputSetInfo, VerifiedInput, VerifyAttempt } from '../../shared/verify/verification-result.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import type { FileInputSet } from './input-sets.js';
import { elemTypeOfOrt, generateOrtInputs, ortTensorData } from './ort-tensors.js';

/** What the caller chose about inputs (a subset of VerifyOptions). */
export interface InputChoices {
  dims?: Record<string, number>;
  seed?: number;
  fill?: InputFill;
  range?: ValueRange;
  inputs?: Record<string, ort.Tensor>;
  values?: Record<string, number>;
  runs?: number;
}

export interface FeedSet {
  feeds: Record<string, ort.Tensor>;
  info: InputSetInfo;
}

export interface BuiltSets {
  plan: InputPlan;
  sets: FeedSet[];
  seeds: number[];
}

const DEFAULT_RUNS = 2;

/** Checks that given tensors and --value numbers name inputs of the model, and no input gets two values. */
export function checkGivenInputs(graph: GraphProto, o: InputChoices, files: readonly FileInputSet[]): void {
  const declared = runtimeInputs(graph).map((i) => i.name ?? '');
  const given = Object.keys(o.inputs ?? {});
  const unknown = given.find((k) => !declared.includes(k));
  if (unknown !== undefined) throw new WorkbenchError('BAD_OPTION', `inputs: '${unknown}' is not an input of the original model (its inputs: ${declared.join(', ') || 'none'})`);
  for (const name of Object.keys(o.values ?? {})) {
    if (given.includes(name)) throw new WorkbenchError('BAD_OPTION', `--value ${name}: input '${name}' is also given as a tensor`);
    const file = files.map((s) => s.values.get(name)).find((v) => v !== undefined);
    if (file) throw new WorkbenchError('BAD_OPTION', `--value ${name}: input '${name}' also has a file (${file.source}); give it one way`);
  }
}

// A one-element numeric input's value: the number a user may need to know or set.
function scalarOf(t: ort.Tensor): number | undefined {
  if (t.size !== 1 || t.type === 'string') return undefined;
  const v = ortTensorData(t).values[0];
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined;
}

function describe(name: string, t: ort.Tensor, source: string): VerifiedInput {
  const out: VerifiedInput = { name, type: elemTypeName(elemTypeOfOrt(t.type)), shape: [...t.dims], source };
  const v = scalarOf(t);
  if (v !== undefined) out.value = v;
  return out;
}

function sourceOf(spec: InputSpec): string {
  if (spec.valueFrom !== undefined) return `compared with in Equal '${spec.valueFrom}'`;
  return spec.value !== undefined ? '--value' : spec.fill;
}

/** The inputs to generate: those no file and no given tensor supplies; unset dims take `defaultDim`. */
export function planSets(graph: GraphProto, o: InputChoices, files: readonly FileInputSet[], defaultDim: number): InputPlan {
  const skip = [...Object.keys(o.inputs ?? {}), ...(files[0]?.values.keys() ?? [])];
  return planInputs(graph, { dims: o.dims, fill: o.fill, range: o.range, skip, values: o.values, defaultDim });
}

/**
 * The input sets for one try: one per file set when --inputs was given, else one per seed when
 * values are random (one when nothing is). Unset dims take `defaultDim`.
 */
export function buildSets(graph: GraphProto, o: InputChoices, files: readonly FileInputSet[], defaultDim: number): BuiltSets {
  const given = o.inputs ?? {};
  const plan = planSets(graph, o, files, defaultDim);
  const order = runtimeInputs(graph).map((i) => i.name ?? '');
  const sourceByName = new Map<string, string>([...Object.keys(given).map((k): [string, string] => [k, 'given']), ...plan.inputs.map((s): [string, string] => [s.name, sourceOf(s)])]);
  const set = (label: string, feeds: Record<string, ort.Tensor>, fileSet?: FileInputSet): FeedSet => ({
    feeds,
    info: { label, inputs: order.filter((n) => feeds[n]).map((n) => describe(n, feeds[n]!, fileSet?.values.get(n)?.source ?? sourceByName.get(n) ?? 'given')) },
  });
  const base = o.seed ?? 0;
  if (files.length) {
    const sets = files.map((f) => {
      const fromFiles = Object.fromEntries([...f.values].map(([n, v]): [string, ort.Tensor] => [n, hostToOrt(v.tensor)]));
      return set(f.label, { ...given, ...fromFiles, ...generateOrtInputs(plan.inputs, base) }, f);
    });
    return { plan, sets, seeds: [] };
  }
  const random = plan.inputs.some((s) => s.fill === 'random' && s.value === undefined);
  if (!random) {
    const filled = plan.inputs.find((s) => s.value === undefined);
    const label = filled ? `${filled.fill} inputs` : 'given inputs';
    return { plan, sets: [set(label, { ...given, ...generateOrtInputs(plan.inputs, 0) })], seeds: [] };
  }
  const seeds = Array.from({ length: o.runs ?? DEFAULT_RUNS }, (_, k) => base + k);
  return { plan, sets: seeds.map((s, k) => set(`input set ${k + 1} (seed ${s})`, { ...given, ...generateOrtInputs(plan.inputs, s) })), seeds };
}

function hostToOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

/** How a retry past the element budget is recorded in the attempts. */
export const NOT_TRIED = 'not tried';

/** Elements the generated inputs of a plan hold: a retry that would generate more than a budget is not made. */
export function generatedElements(plan: InputPlan): number {
  return plan.inputs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}

function howFilled(spec: InputSpec, sets: readonly FeedSet[]): string {
  if (spec.valueFrom !== undefined) return `${spec.value} (compared with in Equal '${spec.valueFrom}')`;
  if (spec.value !== undefined) return `--value ${spec.value}`;
  if (spec.fill !== 'random') return spec.fill;
  const what = isFloatType(spec.elemType) ? 'random' : 'random ints';
  const drawn = sets.map((s) => s.info.inputs.find((i) => i.name === spec.name)?.value).filter((v) => v !== undefined);
  return `${what} in [${spec.range.low}, ${spec.range.high})${drawn.length ? ` (drew ${drawn.join(', ')})` : ''}`;
}

/**
 * The one-line error when the original model fails on generated inputs after every try: what
 * onnxruntime said last, the generated inputs (name, type, shape, how filled) and the flags that
 * would fix it.
 */
export function generatedInputsFailure(last: BuiltSets, attempts: readonly VerifyAttempt[], label: string): WorkbenchError {
  const { plan } = last;
  const notTried = attempts.find((a) => a.error?.startsWith(NOT_TRIED));
  const tried = attempts.filter((a) => a !== notTried).map((a) => a.defaultDim);
  const lastError = [...attempts].reverse().find((a) => a !== notTried)?.error ?? 'failed';
  const skipped = notTried ? ` (${notTried.defaultDim} ${notTried.error})` : '';
  const dims = plan.defaultedDims.length ? `, unset dims ${plan.defaultedDims.join(', ')} tried at ${tried.join(', ')}${skipped}` : '';
  const generated = plan.inputs.map((s) => `${s.name} ${elemTypeName(s.elemType)} [${s.shape.join(',')}] ${howFilled(s, last.sets)}`).join('; ');
  const scalars = plan.inputs.filter((s) => (s.value === undefined || s.valueFrom !== undefined) && s.shape.every((d) => d === 1)).map((s) => s.name);
  const fixes = [
    plan.defaultedDims.length ? `set sizes with --dim (${plan.defaultedDims.map((d) => `${d}=N`).join(', ')})` : '',
    scalars.length ? `set values with --value (${scalars.map((n) => `${n}=NUMBER`).join(', ')})` : '',
    'or give real inputs with --inputs PATH',
  ].filter(Boolean);
  return new WorkbenchError(
    'VERIFY_INPUTS_REJECTED',
    `original model: onnxruntime failed on generated inputs (${label}${dims}): ${lastError}; generated: ${generated}; ${fixes.join(', ')}`,
  );
}
