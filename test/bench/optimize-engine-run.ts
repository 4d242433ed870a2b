// One engine-speed measurement, run by bench-optimize in a process of its own (so a slow or
// memory-hungry run cannot stall the benchmark, and each size starts with the same heap):
//   node optimize-engine-run.js MODEL TARGET evaluator|no-evaluator REPS
// Opens the model REPS times afresh and runs the default preset on it; prints one JSON line.

import { openModel } from '../../electron/io/open-model.js';
import { optimizationSetup } from '../../electron/optimize/optimization-setup.js';
import { runPasses, type PassReport } from '../../shared/rewrite/pass-manager.js';
import type { Target } from '../../shared/rewrite/pass.js';
import { DEFAULT_PASSES, TimedEvaluator } from './optimize-ours.js';

export interface EngineRun {
  openMs: number[];
  /** runPasses' wall time, and the process's CPU time (user + system) over it. */
  runMs: number[];
  runCpuMs: number[];
  evaluatorMs: number[];
  evaluatorCpuMs: number[];
  evaluatedNodes: number;
  nodesBefore: number;
  nodesAfter: number;
  passes: PassReport[];
  peakRssMiB: number;
}

async function main(): Promise<void> {
  const [path, target, mode, repsArg] = process.argv.slice(2);
  const reps = Number(repsArg ?? 1);
  const out: EngineRun = { openMs: [], runMs: [], runCpuMs: [], evaluatorMs: [], evaluatorCpuMs: [], evaluatedNodes: 0, nodesBefore: 0, nodesAfter: 0, passes: [], peakRssMiB: 0 };
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const opened = await openModel(path!);
    out.openMs.push(performance.now() - t0);
    const setup = await optimizationSetup(opened);
    const { evaluator, ...rest } = setup.runOptions;
    const timed = mode === 'evaluator' && evaluator ? new TimedEvaluator(evaluator) : undefined;
    t0 = performance.now();
    const c0 = process.cpuUsage();
    const result = await runPasses(opened.ir, DEFAULT_PASSES(), { target: target as Target, ...rest, ...(timed ? { evaluator: timed } : {}) });
    const cpu = process.cpuUsage(c0);
    out.runMs.push(performance.now() - t0);
    out.runCpuMs.push((cpu.user + cpu.system) / 1000);
    out.evaluatorMs.push(timed?.ms ?? 0);
    out.evaluatorCpuMs.push(timed?.cpuMs ?? 0);
    out.evaluatedNodes = timed?.nodes ?? 0;
    out.nodesBefore = result.nodesBefore;
    out.nodesAfter = result.nodesAfter;
    out.passes = result.passes;
    await setup.close();
    out.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  }
  console.log(JSON.stringify(out));
}

await main();
