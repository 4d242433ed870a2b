// The tolerances optimize picks, checked against what onnxruntime really does: correct cleanups of
// a float16 model and constant folding of MatMul weights move outputs (they fail `exact`) and pass
// with their named tolerance, while a real error of the same size in float32 still fails.

import { describe, expect, it } from 'vitest';
import { toleranceChooser } from '../../electron/optimize/tolerance-chooser.js';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';
import { verifyModels, type VerifyOptions } from '../../electron/runtime/verify.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { pickPasses, runPasses } from '../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import type { OutputVerification, VerificationResult } from '../../shared/verify/verification-result.js';
import { unetStyleModel } from './unet-style-model.js';

const evaluator = new OrtConstantEvaluator();
const cleanup = pickPasses(ALL_PASSES, PRESETS.cleanup!);
// One thread: the machine is shared. Folding differs with one thread as with several (measured).
const base = { intraOpThreads: 1 } satisfies Partial<VerifyOptions>;

/** The `cleanup` preset run as optimize runs it, with the tolerances optimize would verify with. */
async function optimized(proto: ModelProto): Promise<{ bytes: Uint8Array; choice: ToleranceChoice }> {
  const ir = new IrModel(proto);
  const choose = toleranceChooser(ir, cleanup);
  const result = await runPasses(ir, cleanup, { target: 'portable', evaluator, inferTypes });
  return { bytes: modelBytes(ir.toProto()), choice: choose(result) };
}

function verify(original: ModelProto, transformed: Uint8Array, choice: ToleranceChoice | 'exact'): Promise<VerificationResult> {
  const t = choice === 'exact' ? { tolerance: 'exact' as const } : { tolerance: choice.tolerance, outputTolerances: choice.outputs };
  return verifyModels(modelBytes(original), transformed, { ...base, ...t });
}

const worstAbs = (r: VerificationResult) => Math.max(...r.outputs.map((o) => o.maxAbsError ?? Infinity));
const byName = (r: VerificationResult, name: string): OutputVerification => r.outputs.find((o) => o.name === name)!;

describe('float16 paths: onnxruntime rounds where the graph says', () => {
  const fp16 = unetStyleModel({ elemType: ElemType.FLOAT16 });

  it('a correct cleanup of a float16 U²-Net-style model fails exact and passes within float16 ulps, saying why', async () => {
    const { bytes, choice } = await optimized(fp16);
    const exact = await verify(fp16, bytes, 'exact');
    expect(exact.passed).toBe(false);
    // The rewrites moved where onnxruntime rounds: the fused map and the decoder's side map moved.
    expect(byName(exact, 'd0').passed).toBe(false);
    expect(worstAbs(exact)).toBeGreaterThan(1e-6);

    expect(choice.tolerance.name).toBe('float16-rounding');
    expect(choice.tolerance.reason).toMatch(/^every output is computed through float16: onnxruntime's CPU provider computes float16 ops in float32/);
    expect(choice.outputs).toEqual({});
    const r = await verify(fp16, bytes, choice);
    expect(r.passed).toBe(true);
    expect(r.tolerance).toMatchObject({ name: 'float16-rounding', reason: choice.tolerance.reason });
    expect(r.outputs.map((o) => [o.maxAbsError, o.cosine])).toEqual(exact.outputs.map((o) => [o.maxAbsError, o.cosine]));
  });

  it('the same model in float32 stays bit-exact, and an error of the same size there fails', async () => {
    const fp32 = unetStyleModel({ elemType: ElemType.FLOAT });
    const clean = await optimized(fp32);
    expect(clean.choice.tolerance.name).toBe('exact');
    expect(worstAbs(await verify(fp32, clean.bytes, clean.choice))).toBe(0);

    // One weight of the fusing Conv changed: d0 moves about as much as float16 rounding moved it.
    const moved = byName(await verify(fp16, (await optimized(fp16)).bytes, 'exact'), 'd0').maxAbsError!;
    const broken = await optimized(unetStyleModel({ elemType: ElemType.FLOAT, weightDelta: 2e-4 }));
    const r = await verify(fp32, broken.bytes, clean.choice);
    expect(r.passed).toBe(false);
    const d0 = byName(r, 'd0');
    expect(d0.passed).toBe(false);
    expect(d0.maxAbsError).toBeGreaterThan(moved / 3);
    expect(d0.maxAbsError).toBeLessThan(moved * 3);
  });

  it('where the output itself is rounded to float16, a moved rounding is an ulp of it, even at elements near zero', async () => {
    // Two identical Transposes (float16 kernels on the CPU): one feeds a Conv, one is cast to an
    // output. Apart, the Conv's Transpose runs in float32 between Casts onnxruntime removes; merged,
    // the Transpose must produce float16 for the Cast, and the Conv reads the rounded values.
    const H = ElemType.FLOAT16;
    const F = ElemType.FLOAT;
    const w = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) / 2);
    const twins = model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1'], ['c1'], { pads: [1, 1, 1, 1] }),
          node('Relu', ['c1'], ['r1']),
          node('Transpose', ['r1'], ['t1'], { perm: [0, 1, 3, 2] }),
          node('Transpose', ['r1'], ['t2'], { perm: [0, 1, 3, 2] }),
          node('Conv', ['t1', 'w2'], ['c2'], { pads: [1, 1, 1, 1] }),
          node('Relu', ['c2'], ['r2']),
          node('Cast', ['r2'], ['y'], { to: F }),
          node('Cast', ['t2'], ['t'], { to: F }),
        ],
        inputs: [valueInfo('x', H, [1, 4, 16, 16])],
        outputs: [valueInfo('y', F, [1, 8, 16, 16]), valueInfo('t', F, [1, 8, 16, 16])],
        initializers: [tensor('w1', H, [8, 4, 3, 3], w(288, 1)), tensor('w2', H, [8, 8, 3, 3], w(576, 2))],
      }),
    );
    const { bytes, choice } = await optimized(twins);
    const exact = await verify(twins, bytes, 'exact');
    const y = byName(exact, 'y');
    expect(y.passed).toBe(false);
    // About one float16 ulp of values near 1, and many times an element near zero.
    expect(y.maxAbsError).toBeGreaterThan(2 ** -11);
    expect(y.maxRelError).toBeGreaterThan(0.1);
    expect(await verifyModels(modelBytes(twins), bytes, { ...base, tolerance: 'reassociation' })).toMatchObject({ passed: false });
    const r = await verify(twins, bytes, choice);
    expect(r.tolerance.name).toBe('float16-rounding');
    expect(r.passed).toBe(true);
  });

  it('a real error in the float16 model beyond a few ulps still fails', async () => {
    const broken = await optimized(unetStyleModel({ elemType: ElemType.FLOAT16, weightDelta: 0.5 }));
    const r = await verify(fp16, broken.bytes, broken.choice);
    expect(r.tolerance.name).toBe('float16-rounding');
    expect(byName(r, 'd0').passed).toBe(false);
    expect(byName(r, 'd1').passed).toBe(true);
  });
});

// x [4, 1024] → MatMul(Transpose(w1t)) → Relu → MatMul(Transpose(w2t)): weights stored
// transposed, as some exporters leave them; folding makes them constant.
function mlp(opts: { folded?: boolean; delta?: number } = {}): ModelProto {
  const [M, K, H, N] = [4, 1024, 256, 64];
  const F = ElemType.FLOAT;
  const w = (n: number, k: number, s: number) => Array.from({ length: n * k }, (_, i) => (4 * Math.sin(i * 0.7 + s)) / Math.sqrt(k));
  const w1t = w(H, K, 1);
  const w2t = w(N, H, 2);
  w2t[0] = w2t[0]! + (opts.delta ?? 0);
  const transposed = (t: number[], rows: number, cols: number) => Array.from({ length: rows * cols }, (_, i) => t[(i % rows) * cols + Math.floor(i / rows)]!);
  const weights = opts.folded
    ? { nodes: [], inits: [tensor('w1', F, [K, H], transposed(w1t, H, K)), tensor('w2', F, [H, N], transposed(w2t, N, H))] }
    : {
        nodes: [node('Transpose', ['w1t'], ['w1'], { perm: [1, 0] }), node('Transpose', ['w2t'], ['w2'], { perm: [1, 0] })],
        inits: [tensor('w1t', F, [H, K], w1t), tensor('w2t', F, [N, H], w2t)],
      };
  return model(
    graph({
      nodes: [...weights.nodes, node('MatMul', ['x', 'w1'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'w2'], ['y'])],
      inputs: [valueInfo('x', F, [M, K])],
      outputs: [valueInfo('y', F, [M, N])],
      initializers: weights.inits,
    }),
  );
}

describe('constant folding: onnxruntime sums with constant matrices in other groupings', () => {
  it('folded MatMul weights fail exact and pass the named folding level', async () => {
    const original = mlp();
    const { bytes, choice } = await optimized(original);
    expect(choice.tolerance.name).toBe('folding');
    expect(choice.tolerance.reason).toMatch(/^constant folding \(constant-folding\): onnxruntime sums products with a constant matrix/);
    const exact = await verify(original, bytes, 'exact');
    expect(exact.passed).toBe(false);
    expect(worstAbs(exact)).toBeGreaterThan(1e-6);
    const r = await verify(original, bytes, choice);
    expect(r.passed).toBe(true);
    expect(r.tolerance.name).toBe('folding');
  });

  it('an error of the same size in a float32 model that nothing folds fails; a larger one fails folding too', async () => {
    const moved = worstAbs(await verify(mlp(), (await optimized(mlp())).bytes, 'exact'));
    const plain = mlp({ folded: true });
    const clean = await optimized(plain);
    expect(clean.choice.tolerance).toMatchObject({ name: 'exact', reason: 'no pass changed the model' });
    const broken = await verify(plain, modelBytes(mlp({ folded: true, delta: 2e-6 })), clean.choice);
    expect(broken.passed).toBe(false);
    expect(worstAbs(broken)).toBeGreaterThan(moved / 3);
    expect(worstAbs(broken)).toBeLessThan(moved * 3);

    const folded = await optimized(mlp());
    const worse = await verify(mlp(), modelBytes(mlp({ folded: true, delta: 1e-4 })), folded.choice);
    expect(worse.passed).toBe(false);
  });
});
