import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { OrtConstantEvaluator } from '../../../electron/runtime/evaluate-node.js';
import { toOrtTensor } from '../../../electron/runtime/ort-tensors.js';
import { IrModel } from '../../../shared/ir/model.js';
import { decodeModel, encodeModel } from '../../../shared/onnx/model-codec.js';
import { constantFolding } from '../../../shared/passes/cleanup/constant-folding.js';
import { PORTABLE_FUSIONS } from '../../../shared/passes/fusion/index.js';
import { concatSegments } from '../../../shared/proto/wire-writer.js';
import { runPasses, type RunOptions } from '../../../shared/rewrite/pass-manager.js';
import {
  compareTensor,
  decodePbValue,
  DEFAULT_TOLERANCE,
  lightModelInput,
  listCases,
  maxAbs,
  readBytes,
  runtimeInputs,
  type ConformanceCase,
} from '../../conformance/conformance-data.js';
import { RUNTIME_SKIPS, TOLERANCE_OVERRIDES } from '../../conformance/runtime-skips.js';

// Every portable fusion on the model-level conformance cases (light/, simple/, pytorch-*/; node/
// holds single operators, nothing to fuse): a model they change must still give the reference
// outputs, a model they leave alone must come out byte for byte as it went in. The light/ models
// hold their weights as ConstantOfShape nodes, so weight folding finds nothing there until
// constant folding has run; the second part runs it first on the convolutional ones.

const FAMILIES = ['light', 'simple', 'pytorch-converted', 'pytorch-operator'] as const;
const cases = listCases().filter((c) => (FAMILIES as readonly string[]).includes(c.group) && !RUNTIME_SKIPS.has(`${c.group}/${c.name}`));
const SESSION: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 };

/** Fusions fired, per family and pass, and the models where any did. */
const fired = new Map<string, { perPass: Map<string, number>; models: string[] }>();

function record(family: string, model: string, passes: { name: string; matches: number }[]): number {
  const entry = fired.get(family) ?? { perPass: new Map<string, number>(), models: [] };
  fired.set(family, entry);
  const mine = passes.filter((p) => p.matches > 0 && PORTABLE_FUSIONS.some((f) => f.name === p.name));
  for (const p of mine) entry.perPass.set(p.name, (entry.perPass.get(p.name) ?? 0) + p.matches);
  if (mine.length) entry.models.push(`${model} (${mine.map((p) => `${p.name} ${p.matches}`).join(', ')})`);
  return mine.reduce((n, p) => n + p.matches, 0);
}

const bytesOf = (m: IrModel) => concatSegments(encodeModel(m.toProto()));

/** Runs the (rewritten) model on the case's inputs; undefined when every output matches the reference. */
async function checkOutputs(c: ConformanceCase, m: IrModel): Promise<string | undefined> {
  const graph = m.toProto().graph!;
  const inputs = runtimeInputs(graph);
  const session = await ort.InferenceSession.create(bytesOf(m), SESSION);
  try {
    for (const ds of c.dataSets) {
      const feeds: Record<string, ort.Tensor> = {};
      if (c.group === 'light') {
        const { name, tensor } = lightModelInput(graph);
        feeds[name] = tensor;
      } else {
        ds.inputs.forEach((p, k) => {
          const v = decodePbValue(readBytes(p), inputs[k]!.type, p);
          if (v.kind !== 'tensor') throw new Error(`${p}: not a tensor`);
          feeds[inputs[k]!.name!] = toOrtTensor(v.tensor);
        });
      }
      const results = await session.run(feeds);
      for (const [k, p] of ds.outputs.entries()) {
        const vo = graph.output![k]!;
        const ref = decodePbValue(readBytes(p), vo.type, p);
        if (ref.kind !== 'tensor') throw new Error(`${p}: not a tensor`);
        const tol = c.group === 'light' ? { rtol: 1e-3, atol: 1e-3 * maxAbs(ref.tensor) } : (TOLERANCE_OVERRIDES.get(`${c.group}/${c.name}`) ?? DEFAULT_TOLERANCE);
        const diff = compareTensor(results[vo.name!]!, ref.tensor, tol);
        if (diff) return `output '${vo.name}': ${diff}`;
      }
    }
  } finally {
    await session.release();
  }
  return undefined;
}

describe('portable fusions on the conformance models', () => {
  for (const family of FAMILIES) {
    describe(`${family}/`, () => {
      for (const c of cases.filter((x) => x.group === family)) {
        it(c.name, async () => {
          const m = new IrModel(decodeModel(readBytes(c.modelPath), c.name));
          const before = bytesOf(m);
          const r = await runPasses(m, PORTABLE_FUSIONS, { target: 'portable' });
          if (record(family, c.name, r.passes) === 0) {
            expect(Buffer.compare(Buffer.from(bytesOf(m)), Buffer.from(before))).toBe(0);
            return;
          }
          expect(await checkOutputs(c, m)).toBeUndefined();
        }, 120_000);
      }
    });
  }

  // The light/ models with BatchNormalization after their Convs; their weights fit the folding
  // limit below (the VGG/AlexNet-style ones have fully connected weights of hundreds of MB).
  const FOLDED = ['light_resnet50', 'light_densenet121', 'light_inception_v2', 'light_shufflenet'];
  const folding: Partial<RunOptions> = { evaluator: new OrtConstantEvaluator(), foldSizeLimit: 16 << 20 };

  describe('light/ after constant folding', () => {
    for (const c of cases.filter((x) => FOLDED.includes(x.name))) {
      it(c.name, async () => {
        const m = new IrModel(decodeModel(readBytes(c.modelPath), c.name));
        await runPasses(m, [constantFolding], { target: 'portable', ...folding });
        const r = await runPasses(m, PORTABLE_FUSIONS, { target: 'portable' });
        expect(record('light, constants folded first', c.name, r.passes)).toBeGreaterThan(0);
        expect(await checkOutputs(c, m)).toBeUndefined();
      }, 300_000);
    }
  });

  afterAll(() => {
    const lines = [...fired].flatMap(([family, { perPass, models }]) => {
      const total = [...perPass.values()].reduce((a, b) => a + b, 0);
      const detail = [...perPass].map(([name, n]) => `${name} ${n}`);
      return [`  ${family}: ${total} fusions${detail.length ? ` (${detail.join(', ')})` : ''}`, ...models.map((m) => `    ${m}`)];
    });
    console.log(`portable fusions fired on the conformance models:\n${lines.join('\n')}`);
  });
});
