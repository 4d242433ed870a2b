import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { CLEANUP_PASSES } from '../passes/cleanup/index.js';
import { loopUnrolling } from '../passes/cleanup/loop-unrolling.js';
import { ALL_PASSES, PRESETS } from '../passes/registry.js';
import { pickPasses, runPasses } from '../rewrite/pass-manager.js';
import type { Pass, Target } from '../rewrite/pass.js';
import { chooseTolerances } from '../verify/choose-tolerances.js';
import { lowPrecisionOutputs } from '../verify/low-precision-outputs.js';
import { anyOperation, type Operation, type OperationContext, type OperationOutcome } from './operation.js';

// Today's passes and presets as operations: the pass manager does the work, this file only says
// how each one looks in the registry and threads progress and cancellation through it.

const CLEANUPS = new Set<Pass>([...CLEANUP_PASSES, loopUnrolling]);

const noOptions = z.strictObject({});
const presetOptions = z.strictObject({ target: z.enum(['portable', 'onnxruntime']).default('portable') });

/** Stops a run between passes when its signal is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new WorkbenchError('CANCELLED', `${what}: cancelled`);
}

// The pass with a check for cancellation and a progress report before each of its runs (the pass
// manager runs a pass once per graph and round, so this is as fine-grained as it gets).
function watched(pass: Pass, ctx: OperationContext<unknown>, step: () => number, total: number): Pass {
  return {
    ...pass,
    run: (pctx) => {
      throwIfCancelled(ctx.signal, pass.name);
      ctx.progress(Math.min(step(), total), total, pass.name);
      return pass.run(pctx);
    },
  };
}

async function runList(passes: readonly Pass[], target: Target, ctx: OperationContext<unknown>, label: string): Promise<OperationOutcome> {
  let seen = 0;
  const list = passes.map((p) => watched(p, ctx, () => ++seen, passes.length));
  // Read before the passes rewrite the model: which outputs float16/bfloat16 values feed.
  const precision = lowPrecisionOutputs(ctx.model);
  const r = await runPasses(ctx.model, list, { target, ...ctx.runtime, ...(ctx.scope ? { scope: ctx.scope } : {}) });
  throwIfCancelled(ctx.signal, label);
  ctx.progress(passes.length, passes.length, label);
  const fired = passes.filter((p) => r.passes.find((x) => x.name === p.name)?.matches);
  // The same choice `optimize --verify` makes: the loosest fired pass's level, widened per low-precision output.
  const tolerance = chooseTolerances(fired, precision);
  return { matches: fired.reduce((n, p) => n + r.passes.find((x) => x.name === p.name)!.matches, 0), tolerance, parts: r.passes.map((p) => ({ name: p.name, matches: p.matches })) };
}

/** A pass as an operation: its name, description, target and numerics; run alone on its own target. */
export function passOperation(pass: Pass): Operation<Record<string, never>> {
  return {
    name: pass.name,
    description: pass.description,
    group: CLEANUPS.has(pass) ? 'cleanup' : 'fusion',
    target: pass.target,
    options: noOptions,
    tolerance: pass.numerics,
    requires: pass.requires,
    run: (ctx) => runList([pass], pass.target, ctx, pass.name),
  };
}

const PRESET_TEXT: Record<string, string> = {
  default: 'every cleanup, folding and fusion the target allows, except those measured slower on CPU',
  cleanup: 'cleanups and folding only: no fusions (bit-exact but for constant folding, within its named tolerance)',
  fusions: 'fusions only',
  aggressive: 'the default preset plus loop unrolling (larger files)',
};

/** A preset (a named list of passes) as an operation `preset:<name>`; option `target` as the CLI's --target. */
export function presetOperation(name: string, passNames: readonly string[]): Operation<z.infer<typeof presetOptions>> {
  const passes = pickPasses(ALL_PASSES, passNames);
  const loosest = (['reassociation', 'folding', 'exact'] as const).find((n) => passes.some((p) => p.numerics === n)) ?? 'exact';
  return {
    name: `preset:${name}`,
    description: `preset "${name}": ${PRESET_TEXT[name] ?? `${passes.length} passes`}`,
    group: 'preset',
    options: presetOptions,
    tolerance: loosest,
    requires: [...new Set(passes.flatMap((p) => p.requires))],
    run: (ctx) => runList(passes, ctx.options.target, ctx, `preset:${name}`),
  };
}

/** Every pass, then every preset, as operations. */
export function passOperations(): Operation<unknown>[] {
  return [...ALL_PASSES.map((p) => anyOperation(passOperation(p))), ...Object.entries(PRESETS).map(([n, list]) => anyOperation(presetOperation(n, list)))];
}
