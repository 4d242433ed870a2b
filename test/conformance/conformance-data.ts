// The ONNX conformance data (../shared/onnx-conformance from the project root): listing the test
// cases, reading their .pb values, and comparing onnxruntime's outputs with the reference results.
// TensorProto <-> onnxruntime conversion is product code: electron/runtime/ort-tensors.ts.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ortTensorData, ortTypeOf } from '../../electron/runtime/ort-tensors.js';
import { ElemType, elemTypeName } from '../../shared/onnx/element-types.js';
import { decodeTensor } from '../../shared/onnx/model-codec.js';
import { MapValue, OptionalValue, Sequence } from '../../shared/onnx/onnx-schema.js';
import type { GraphProto, TensorProto, TypeProto } from '../../shared/onnx/proto-types.js';
import { decodeMessage, type DecodedMessage } from '../../shared/proto/decode.js';
import type { MessageDef } from '../../shared/proto/schema.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';
import { tensorProtoData, tensorValues } from '../../shared/verify/tensor-data.js';

export { runtimeInputs };

// From the sources (test/conformance/) or from their build (dist/test/conformance/, used by scripts).
const ROOTS = ['../../../shared/onnx-conformance/', '../../../../shared/onnx-conformance/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

/** Absolute path of the conformance data folder. */
export const CONFORMANCE_ROOT = ROOTS.find((p) => existsSync(p)) ?? ROOTS[0]!;

/** Folders holding `<test>/model.onnx` + `<test>/test_data_set_N/`. */
export const CASE_GROUPS = ['node', 'simple', 'pytorch-converted', 'pytorch-operator'] as const;
export type CaseGroup = (typeof CASE_GROUPS)[number] | 'light';

export interface DataSet {
  /** input_K.pb paths in K order; empty for light/ models, whose input is generated. */
  inputs: string[];
  /** output_K.pb paths in K order. */
  outputs: string[];
}

export interface ConformanceCase {
  group: CaseGroup;
  /** Test name: the folder name (`test_abs`) or, for light/, the model's file name without `.onnx`. */
  name: string;
  modelPath: string;
  dataSets: DataSet[];
}

function numbered(dir: string, prefix: string): string[] {
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  return readdirSync(dir)
    .map((f) => ({ f, m: re.exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => join(dir, x.f));
}

function listFolderCases(group: (typeof CASE_GROUPS)[number]): ConformanceCase[] {
  const root = join(CONFORMANCE_ROOT, group);
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'model.onnx')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const dataSets = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^test_data_set_\d+$/.test(d.name))
        .map((d) => d.name)
        .sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)))
        .map((ds) => ({ inputs: numbered(join(dir, ds), 'input'), outputs: numbered(join(dir, ds), 'output') }));
      return { group, name, modelPath: join(dir, 'model.onnx'), dataSets };
    });
}

function listLightCases(): ConformanceCase[] {
  const root = join(CONFORMANCE_ROOT, 'light');
  return readdirSync(root)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.onnx'.length);
      return { group: 'light', name, modelPath: join(root, f), dataSets: [{ inputs: [], outputs: [join(root, `${name}_output_0.pb`)] }] };
    });
}

/** Every test case in the suite, grouped folder by folder, sorted by name. */
export function listCases(): ConformanceCase[] {
  return [...CASE_GROUPS.flatMap(listFolderCases), ...listLightCases()];
}

/** A file's bytes as a plain Uint8Array (not a pooled Buffer). */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Byte-wise equality; on a difference says where. */
export function firstDifference(a: Uint8Array, b: Uint8Array): string | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `bytes differ at offset ${i} (${a[i]} vs ${b[i]})`;
  return a.length === b.length ? undefined : `lengths differ: ${a.length} vs ${b.length}`;
}

// -------------------------------------------------------------------------------------------------
// Values in .pb files

/** A decoded .pb value: a TensorProto, or a Sequence/Optional/Map value (onnx-data.proto). */
export type PbValue =
  | { kind: 'tensor'; tensor: TensorProto }
  | { kind: 'sequence' | 'optional' | 'map'; message: DecodedMessage; def: MessageDef };

/** The kind of value a declared type holds ('tensor' when the type is missing, as the onnx runner assumes). */
export function valueKind(type: TypeProto | undefined): PbValue['kind'] | 'other' {
  if (!type || type.tensorType) return 'tensor';
  if (type.sequenceType) return 'sequence';
  if (type.optionalType) return 'optional';
  if (type.mapType) return 'map';
  return 'other';
}

const DEF_OF = { sequence: Sequence, optional: OptionalValue, map: MapValue } as const;

/** Decodes a .pb file as the value its graph input/output declares. */
export function decodePbValue(bytes: Uint8Array, type: TypeProto | undefined, what: string): PbValue {
  const kind = valueKind(type);
  if (kind === 'other') throw new Error(`${what}: value type ${JSON.stringify(Object.keys(type ?? {}))} has no .pb form`);
  if (kind === 'tensor') return { kind, tensor: decodeTensor(bytes, what) };
  const def = DEF_OF[kind];
  return { kind, message: decodeMessage(def, bytes), def };
}

// -------------------------------------------------------------------------------------------------
// Comparing onnxruntime outputs with reference tensors

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Default for float outputs of single operators: close to onnx's own backend test (rtol 1e-3). */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-4 };

/**
 * Compares an onnxruntime output with a reference TensorProto: same type and shape; floats within
 * |a - r| <= atol + rtol * |r| (NaN matches NaN, infinities must be equal); everything else exact.
 * Returns undefined when they match, else a one-line description of the first difference.
 */
export function compareTensor(actual: ort.Tensor, ref: TensorProto, tol: Tolerance = DEFAULT_TOLERANCE): string | undefined {
  const refType = ref.dataType ?? 0;
  const wantType = ortTypeOf(refType);
  if (actual.type !== wantType) return `type ${actual.type}, expected ${elemTypeName(refType)}`;
  const refDims = (ref.dims ?? []).map(Number);
  if (actual.dims.length !== refDims.length || actual.dims.some((d, i) => d !== refDims[i])) {
    return `shape [${actual.dims.join(',')}], expected [${refDims.join(',')}]`;
  }
  const a = ortTensorData(actual).values;
  const r = tensorProtoData(ref).values;
  if (a.length !== r.length) return `${a.length} values, expected ${r.length}`;
  const isFloat = refType === ElemType.FLOAT || refType === ElemType.DOUBLE || refType === ElemType.FLOAT16;
  let worst: string | undefined;
  let mismatches = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = r[i]!;
    let ok: boolean;
    if (isFloat) {
      const fx = x as number;
      const fy = y as number;
      if (Number.isNaN(fy) || Number.isNaN(fx)) ok = Number.isNaN(fx) && Number.isNaN(fy);
      else if (!Number.isFinite(fy) || !Number.isFinite(fx)) ok = fx === fy;
      else ok = Math.abs(fx - fy) <= tol.atol + tol.rtol * Math.abs(fy);
    } else ok = x === y;
    if (!ok) {
      mismatches++;
      worst ??= `at index ${i}: ${String(x)}, expected ${String(y)}`;
    }
  }
  return mismatches === 0 ? undefined : `${mismatches} of ${a.length} values differ; first ${worst}`;
}

/** Largest |value| of a float reference tensor (for tolerances relative to a whole output). */
export function maxAbs(ref: TensorProto): number {
  const v = tensorValues(ref) as ArrayLike<number>;
  let m = 0;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]!) > m) m = Math.abs(v[i]!);
  return m;
}

/**
 * The light/ models' input: the model's float input with every unknown dimension set to 1,
 * filled with arange(n) / n in row-major order (light/README and the suite README).
 */
export function lightModelInput(graph: GraphProto): { name: string; tensor: ort.Tensor } {
  const input = runtimeInputs(graph).find((i) => i.type?.tensorType?.elemType === ElemType.FLOAT);
  if (!input) throw new Error('light model without a float input');
  const dims = (input.type!.tensorType!.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i / n;
  return { name: input.name!, tensor: new ort.Tensor('float32', data, dims) };
}
