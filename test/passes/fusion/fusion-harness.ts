// Shared by the fusion tests: build a model, run passes on it, and compare onnxruntime's outputs
// (its own optimizer off) before and after on seeded random inputs.

import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { ElemType, modelBytes, tensor } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { encodeModel } from '../../../shared/onnx/model-codec.js';
import type { ModelProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import type { Pass } from '../../../shared/rewrite/pass.js';
import { runPasses, type RunOptions, type RunResult } from '../../../shared/rewrite/pass-manager.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { decodeTensor } from '../../../shared/rewrite/value-facts.js';

export const TOLERANCE = { atol: 1e-4, rtol: 1e-3 };

/** Uniform values in [lo, hi) from a seeded generator. */
export function randoms(seed: number, n: number, lo = -1, hi = 1): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** A float tensor of seeded random values. */
export function randomTensor(name: string, dims: number[], seed: number, lo = -1, hi = 1, elemType: number = ElemType.FLOAT): TensorProto {
  return tensor(name, elemType, dims, randoms(seed, dims.reduce((a, b) => a * b, 1), lo, hi));
}

/** BatchNormalization parameters over `c` channels: γ of both signs, var > 0. */
export function bnParams(prefix: string, c: number, seed: number, elemType: number = ElemType.FLOAT): TensorProto[] {
  const signs = randoms(seed + 4, c).map((v) => (v < 0 ? -1 : 1));
  return [
    tensor(`${prefix}_scale`, elemType, [c], randoms(seed, c, 0.5, 1.5).map((v, i) => v * signs[i]!)),
    tensor(`${prefix}_bias`, elemType, [c], randoms(seed + 1, c)),
    tensor(`${prefix}_mean`, elemType, [c], randoms(seed + 2, c)),
    tensor(`${prefix}_var`, elemType, [c], randoms(seed + 3, c, 0.05, 2)),
  ];
}

export interface Fused {
  model: IrModel;
  result: RunResult;
  ops: string[];
  matches: number;
}

/** Runs `passes` (target portable) on a fresh IR of `proto`. */
export async function fuse(proto: ModelProto, passes: readonly Pass[], options: Partial<RunOptions> = {}): Promise<Fused> {
  const model = new IrModel(proto);
  const result = await runPasses(model, passes, { target: 'portable', ...options });
  return { model, result, ops: opTypes(model), matches: result.passes.reduce((n, p) => n + p.matches, 0) };
}

/** Op types of the main graph's nodes, in order. */
export function opTypes(m: IrModel): string[] {
  return [...m.graph.nodes].map((n) => n.opType);
}

const ORT_TYPES: Record<number, 'float32' | 'float64'> = { [ElemType.FLOAT]: 'float32', [ElemType.DOUBLE]: 'float64' };

/** Seeded random feeds for every graph input that is not an initializer (static float/double shapes). */
export function randomFeeds(proto: ModelProto, seed = 7): Record<string, ort.Tensor> {
  const inits = new Set((proto.graph!.initializer ?? []).map((t) => t.name));
  const feeds: Record<string, ort.Tensor> = {};
  (proto.graph!.input ?? []).forEach((vi, k) => {
    if (inits.has(vi.name)) return;
    const tt = vi.type!.tensorType!;
    const dims = (tt.shape?.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : 3));
    const n = dims.reduce((a, b) => a * b, 1);
    const type = ORT_TYPES[tt.elemType!]!;
    const values = randoms(seed * 31 + k, n, -3, 3);
    feeds[vi.name!] = new ort.Tensor(type, type === 'float32' ? Float32Array.from(values) : Float64Array.from(values), dims);
  });
  return feeds;
}

/** onnxruntime's outputs (optimizer off) for a model. */
export async function ortOutputs(m: ModelProto | IrModel, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const bytes = m instanceof IrModel ? concatSegments(encodeModel(m.toProto())) : modelBytes(m);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Asserts that outputs of the original and the rewritten model match within TOLERANCE. */
export async function expectSameOutputs(original: ModelProto, rewritten: IrModel, seed = 7): Promise<void> {
  const feeds = randomFeeds(original, seed);
  const want = await ortOutputs(original, feeds);
  const got = await ortOutputs(rewritten, feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const g = got[name]!;
    expect(g.dims, name).toEqual(w.dims);
    const a = g.data as Float32Array;
    const b = w.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) - TOLERANCE.rtol * Math.abs(b[i]!));
    expect(worst, `${name}: largest excess over rtol·|ref|`).toBeLessThanOrEqual(TOLERANCE.atol);
  }
}

/** The values of an initializer of the rewritten model as float64 numbers. */
export function initializerValues(m: IrModel, name: string): number[] {
  const t = m.graph.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  return tensorNumbers(t);
}

/** A tensor's values as float64 numbers. */
export function tensorNumbers(t: TensorProto): number[] {
  return Array.from(decodeTensor(t, () => undefined) as ArrayLike<number>, Number);
}

/** Node ids of the main graph's nodes with these names (a UI selection). */
export function idsOf(m: IrModel, names: readonly string[]): number[] {
  return [...m.graph.nodes].filter((n) => names.includes(n.name)).map((n) => n.id);
}
