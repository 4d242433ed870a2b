import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { toOrtTensor } from '../../../electron/runtime/ort-tensors.js';
import { IrModel } from '../../../shared/ir/model.js';
import { decodeModel } from '../../../shared/onnx/model-codec.js';
import { CLEANUP_PASSES } from '../../../shared/passes/cleanup/index.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import {
  compareTensor,
  decodePbValue,
  DEFAULT_TOLERANCE,
  lightModelInput,
  listCases,
  maxAbs,
  readBytes,
  runtimeInputs,
  type CaseGroup,
  type ConformanceCase,
} from '../../conformance/conformance-data.js';
import { RUNTIME_SKIPS, TOLERANCE_OVERRIDES } from '../../conformance/runtime-skips.js';
import { bytesOf, evaluator } from './harness.js';

// Every cleanup pass, run through the pass manager on the conformance models with shape
// inference plugged in (so guards see the shapes they will see in use): the optimized model's
// onnxruntime outputs must still match the ONNX reference outputs, and (the passes being exact)
// be bit-identical to the original model's. The single-operator node/ cases are in too: they
// are cheap and exercise every operator's guards.

const GROUPS: readonly CaseGroup[] = ['simple', 'pytorch-converted', 'pytorch-operator', 'light', 'node'];

const cases = listCases().filter((c) => GROUPS.includes(c.group) && !RUNTIME_SKIPS.has(`${c.group}/${c.name}`));
const totals = new Map<CaseGroup, { cases: number; before: number; after: number; changed: number }>();
const matchesByPass = new Map<string, number>();
const SESSION: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 3,
};

function feedsOf(c: ConformanceCase, model: ReturnType<typeof decodeModel>): Record<string, ort.Tensor>[] {
  const graph = model.graph!;
  return c.dataSets.map((ds) => {
    if (c.group === 'light') {
      const { name, tensor } = lightModelInput(graph);
      return { [name]: tensor };
    }
    const inputs = runtimeInputs(graph);
    const feeds: Record<string, ort.Tensor> = {};
    ds.inputs.forEach((p, k) => {
      const v = decodePbValue(readBytes(p), inputs[k]!.type, p);
      // Cases with sequence or optional inputs are in the runtime skip list.
      if (v.kind === 'tensor') feeds[inputs[k]!.name!] = toOrtTensor(v.tensor);
    });
    return feeds;
  });
}

async function outputsOf(bytes: Uint8Array, feeds: Record<string, ort.Tensor>[]): Promise<Record<string, ort.Tensor>[]> {
  const session = await ort.InferenceSession.create(bytes, SESSION);
  try {
    const all = [];
    for (const f of feeds) all.push(await session.run(f));
    return all;
  } finally {
    await session.release();
  }
}

const rawBytes = (t: ort.Tensor) => {
  const d = t.data as ArrayBufferView | string[];
  return Array.isArray(d) ? d : Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

describe('cleanup passes on the conformance models', () => {
  for (const group of GROUPS) {
    describe(`${group}/`, () => {
      for (const c of cases.filter((x) => x.group === group)) {
        it(c.name, async () => {
          const proto = decodeModel(readBytes(c.modelPath), c.name);
          const feeds = feedsOf(c, proto);
          const original = await outputsOf(bytesOf(proto), feeds);
          const m = new IrModel(proto);
          const r = await runPasses(m, CLEANUP_PASSES, { target: 'portable', evaluator, inferTypes });
          const optimized = await outputsOf(bytesOf(m), feeds);
          for (const p of r.passes) matchesByPass.set(p.name, (matchesByPass.get(p.name) ?? 0) + p.matches);
          const t = totals.get(group) ?? { cases: 0, before: 0, after: 0, changed: 0 };
          totals.set(group, { cases: t.cases + 1, before: t.before + r.nodesBefore, after: t.after + r.nodesAfter, changed: t.changed + (r.nodesAfter < r.nodesBefore ? 1 : 0) });

          const override = TOLERANCE_OVERRIDES.get(`${c.group}/${c.name}`);
          for (const [i, ds] of c.dataSets.entries()) {
            for (const [k, p] of ds.outputs.entries()) {
              const vo = proto.graph!.output![k]!;
              const ref = decodePbValue(readBytes(p), vo.type, p);
              if (ref.kind !== 'tensor') continue;
              const actual = optimized[i]![vo.name!];
              expect(actual, `output '${vo.name}'`).toBeDefined();
              const tol = c.group === 'light' ? { rtol: 1e-3, atol: 1e-3 * maxAbs(ref.tensor) } : (override ?? DEFAULT_TOLERANCE);
              expect(compareTensor(actual!, ref.tensor, tol), `output '${vo.name}' against the reference`).toBeUndefined();
              expect(rawBytes(actual!), `output '${vo.name}' against the original model`).toEqual(rawBytes(original[i]![vo.name!]!));
            }
          }
        }, 120_000);
      }
    });
  }

  afterAll(() => {
    const lines = [...totals].map(([g, t]) => `  ${g}: ${t.cases} models, nodes ${t.before} → ${t.after} (${t.before - t.after} removed, ${t.changed} models changed)`);
    const all = [...totals.values()].reduce((a, t) => ({ before: a.before + t.before, after: a.after + t.after }), { before: 0, after: 0 });
    const byPass = [...matchesByPass].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(`cleanup passes on conformance models:\n${lines.join('\n')}\n  total: nodes ${all.before} → ${all.after}\n  rewrites: ${byPass}`);
  });
});
