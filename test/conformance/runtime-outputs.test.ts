import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { toOrtTensor } from '../../electron/runtime/ort-tensors.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import {
  CASE_GROUPS,
  compareTensor,
  decodePbValue,
  DEFAULT_TOLERANCE,
  lightModelInput,
  listCases,
  maxAbs,
  readBytes,
  runtimeInputs,
  type ConformanceCase,
} from './conformance-data.js';
import { RUNTIME_SKIPS, SKIP_GROUPS, TOLERANCE_OVERRIDES } from './runtime-skips.js';

// Every conformance case runs under onnxruntime from the bytes our codec wrote back, and its
// outputs must match the ONNX reference results. Cases onnxruntime cannot run are skipped only
// when runtime-skips.ts lists them, and a listed case must still fail for its listed reason.

const cases = listCases();
const stats = { passed: 0, skipped: 0, total: 0 };
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};

/** Runs one case; undefined when every output matches, else what went wrong (one line). */
async function runCase(c: ConformanceCase): Promise<string | undefined> {
  const proto = decodeModel(readBytes(c.modelPath), c.name);
  const bytes = concatSegments(encodeModel(new IrModel(proto).toProto()));
  const graph = proto.graph!;
  const inputs = runtimeInputs(graph);
  const override = TOLERANCE_OVERRIDES.get(`${c.group}/${c.name}`);
  let overrideNeeded = false;
  // Feeds are built before the session, so a value onnxruntime-node cannot take says so first.
  const feedsPerSet = c.dataSets.map((ds) => {
    if (c.group === 'light') {
      const { name, tensor } = lightModelInput(graph);
      return { [name]: tensor };
    }
    const feeds: Record<string, ort.Tensor> = {};
    ds.inputs.forEach((p, k) => {
      const vi = inputs[k];
      if (!vi) throw new Error(`input_${k}.pb has no graph input`);
      const v = decodePbValue(readBytes(p), vi.type, p);
      if (v.kind !== 'tensor') throw new Error(`input '${vi.name}' is a ${v.kind}: onnxruntime-node feeds only tensors`);
      feeds[vi.name!] = toOrtTensor(v.tensor);
    });
    return feeds;
  });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (e) {
    return `session: ${oneLine(e)}`;
  }
  try {
    for (const [i, ds] of c.dataSets.entries()) {
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run(feedsPerSet[i]!);
      } catch (e) {
        return `run: ${oneLine(e)}`;
      }
      for (const [k, p] of ds.outputs.entries()) {
        const vo = graph.output?.[k];
        const ref = decodePbValue(readBytes(p), vo?.type, p);
        if (ref.kind !== 'tensor') return `output '${vo?.name}' is a ${ref.kind}: onnxruntime-node returns only tensors`;
        const actual = results[vo!.name!];
        if (!actual) return `output '${vo!.name}' missing from the results`;
        const tol = c.group === 'light' ? { rtol: 1e-3, atol: 1e-3 * maxAbs(ref.tensor) } : (override ?? DEFAULT_TOLERANCE);
        const diff = compareTensor(actual, ref.tensor, tol);
        if (diff) return `output '${vo!.name}': ${diff}`;
        if (override && compareTensor(actual, ref.tensor, DEFAULT_TOLERANCE)) overrideNeeded = true;
      }
    }
  } finally {
    await session.release();
  }
  if (override && !overrideNeeded) return `passes at the default tolerance: remove its TOLERANCE_OVERRIDES entry`;
  return undefined;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

describe('conformance suite under onnxruntime (round-tripped models)', () => {
  it('skip list names only existing cases, each once', () => {
    const names = new Set(cases.map((c) => `${c.group}/${c.name}`));
    const listed = SKIP_GROUPS.flatMap((g) => g.tests);
    expect(listed.filter((t) => !names.has(t))).toEqual([]);
    expect(listed.length).toBe(new Set(listed).size);
    expect([...TOLERANCE_OVERRIDES.keys()].filter((t) => !names.has(t) || RUNTIME_SKIPS.has(t))).toEqual([]);
  });

  for (const group of [...CASE_GROUPS, 'light'] as const) {
    describe(`${group}/`, () => {
      for (const c of cases.filter((x) => x.group === group)) {
        const key = `${c.group}/${c.name}`;
        it(c.name, async (ctx) => {
          stats.total++;
          let failure: string | undefined;
          try {
            failure = await runCase(c);
          } catch (e) {
            failure = oneLine(e);
          }
          const skip = RUNTIME_SKIPS.get(key);
          if (skip) {
            if (failure === undefined) throw new Error(`${key} is in runtime-skips.ts (${skip.reason}) but now passes: remove it`);
            expect(failure, `${key} fails for another reason than listed (${skip.reason})`).toMatch(skip.failure);
            stats.skipped++;
            ctx.skip(skip.reason);
            return;
          }
          if (failure !== undefined) throw new Error(`${key}: ${failure}`);
          stats.passed++;
        }, 120_000);
      }
    });
  }

  afterAll(() => {
    console.log(`conformance under onnxruntime: ${stats.passed} passed, ${stats.skipped} skipped (listed), ${stats.total} total`);
  });
});
