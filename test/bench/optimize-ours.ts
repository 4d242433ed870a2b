// Our optimizer as the CLI runs it (open, optimization setup, the default preset, save), with
// the constant evaluator's calls timed apart, so that the engine's own time can be told from
// onnxruntime's.

import { openModel } from '../../electron/io/open-model.js';
import { saveModel } from '../../electron/io/save-model.js';
import { optimizationSetup } from '../../electron/optimize/optimization-setup.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { pickPasses, runPasses, type RunResult } from '../../shared/rewrite/pass-manager.js';
import type { Target } from '../../shared/rewrite/pass.js';
import type { ConstantEvaluator, EvaluationContext, EvaluationOutcome, EvaluationRequest } from '../../shared/verify/constant-evaluator.js';
import type { NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

/** Wraps an evaluator and adds up the time spent in it. */
export class TimedEvaluator implements ConstantEvaluator {
  /** Wall time in the evaluator. */
  ms = 0;
  /** The process's CPU time (user + system) while in the evaluator: onnxruntime's threads included. */
  cpuMs = 0;
  calls = 0;
  nodes = 0;

  constructor(private readonly inner: ConstantEvaluator) {}

  private async timed<T>(nodes: number, call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      return await call();
    } finally {
      const c = process.cpuUsage(c0);
      this.cpuMs += (c.user + c.system) / 1000;
      this.ms += performance.now() - t0;
      this.calls++;
      this.nodes += nodes;
    }
  }

  evaluate(node: NodeProto, inputs: readonly (TensorProto | undefined)[], ctx: EvaluationContext): Promise<(TensorProto | undefined)[]> {
    return this.timed(1, () => this.inner.evaluate(node, inputs, ctx));
  }

  evaluateMany(requests: readonly EvaluationRequest[], ctx: EvaluationContext): Promise<EvaluationOutcome[]> {
    return this.timed(requests.length, () => this.inner.evaluateMany(requests, ctx));
  }
}

export interface OursRun {
  result: RunResult;
  /** runPasses' wall time, evaluator included. */
  ms: number;
  evaluatorMs: number;
  evaluatorCalls: number;
  evaluatedNodes: number;
}

export const DEFAULT_PASSES = (): ReturnType<typeof pickPasses> => pickPasses(ALL_PASSES, PRESETS.default ?? []);

/**
 * Opens `input`, runs the default preset for `target` (with onnxruntime's constant evaluator
 * unless `evaluator` is false) and saves to `output` when given.
 */
export async function runOurs(input: string, target: Target, o: { output?: string; evaluator?: boolean } = {}): Promise<OursRun> {
  const opened = await openModel(input);
  const setup = await optimizationSetup(opened);
  try {
    const { evaluator, ...rest } = setup.runOptions;
    const timed = evaluator && o.evaluator !== false ? new TimedEvaluator(evaluator) : undefined;
    const t0 = performance.now();
    const result = await runPasses(opened.ir, DEFAULT_PASSES(), { target, ...rest, ...(timed ? { evaluator: timed } : {}) });
    const ms = performance.now() - t0;
    if (o.output) await saveModel(opened.ir.toProto(), o.output, { source: opened });
    return { result, ms, evaluatorMs: timed?.ms ?? 0, evaluatorCalls: timed?.calls ?? 0, evaluatedNodes: timed?.nodes ?? 0 };
  } finally {
    await setup.close();
  }
}
