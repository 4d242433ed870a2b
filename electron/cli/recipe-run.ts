import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOperations } from '../../shared/operations/registry.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { measureQuantized, type QuantizeLatency } from '../quantize/measure-latency.js';
import { readRecipe } from '../recipe/read-recipe.js';
import { runRecipe, type RecipeStepReport } from '../recipe/run-recipe.js';
import type { CommandIO } from './command.js';
import { verificationText } from './verification-text.js';
import { withRuntimeHost } from './with-runtime-host.js';

// `optimize MODEL -o OUT --recipe FILE`: the recipe's steps in order, each verified where it asks,
// stopping at the first failing one (nothing is written then); with `profile` in the recipe, the
// result's latency measured against the original's as `compare` measures it.

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function stepLine(s: RecipeStepReport, count: number): string {
  const what = s.status === 'unchanged' ? 'nothing to do' : `${s.summary ?? `${s.matches} match(es)`}, nodes ${s.nodesBefore} → ${s.nodesAfter}`;
  const v = s.verification ? `; verification (${s.tolerance}): ${s.verification.passed ? 'passed' : 'FAILED'}` : '';
  return `step ${s.index}/${count} ${s.label}: ${what}${v} (${ms(s.ms)} ms)`;
}

// A pass manager reports each pass of each round: a line per step phase and at most one a second between.
function progressLines(io: CommandIO): (index: number, count: number, label: string, message: string) => void {
  let last = { index: 0, at: 0 };
  return (index, count, label, message) => {
    const now = performance.now();
    const phase = message === 'running' || message === 'verifying';
    if (!phase && index === last.index && now - last.at < 1000) return;
    last = { index, at: now };
    io.err(`step ${index}/${count} ${label}: ${message}`);
  };
}

export interface RecipeCommandArgs {
  input: string;
  output: string;
  recipe: string;
  json: boolean;
  overwrite: boolean;
}

/** Runs a recipe file on a model file and writes the result; exit 1 when a step's verification fails. */
export async function runRecipeCommand(a: RecipeCommandArgs, io: CommandIO): Promise<number> {
  const registry = defaultOperations();
  const recipe = await readRecipe(registry, a.recipe);
  const opened = await openModel(a.input);
  const originalNames = nodeNamesById(opened.ir);
  const work = await mkdtemp(join(tmpdir(), 'owb-recipe-'));
  try {
    return await withRuntimeHost(io, async (host, signal) => {
      const count = recipe.steps.length;
      const r = await runRecipe(opened, recipe, {
        registry,
        host,
        workDir: work,
        signal,
        ...(a.json ? {} : { onProgress: progressLines(io) }),
      });
      let saved: string | null = null;
      let latency: QuantizeLatency | undefined;
      if (!r.failed) {
        const written = await saveModel(withOrigins(opened.ir.toProto(), opened.ir, originalNames), a.output, { overwriteInput: a.overwrite, source: opened });
        saved = written.path;
        if (recipe.profile) {
          if (!a.json) io.err('measuring latency against the original');
          const v = recipe.verify;
          const p = recipe.profile;
          latency = await measureQuantized(opened.path, saved, {
            dims: v.dims,
            values: v.values,
            runs: p.runs,
            ...(p.warmup !== undefined ? { warmup: p.warmup } : {}),
            ...(p.threads !== undefined ? { threads: p.threads } : {}),
            ...(v.inputsPath !== undefined ? { inputsPath: v.inputsPath } : {}),
            signal,
          }, host);
        }
      }
      if (a.json) {
        io.out(JSON.stringify({ model: opened.path, recipe: a.recipe, output: saved, target: recipe.target, passed: !r.failed, failedStep: r.failed?.index ?? null, steps: r.steps, ...(latency ? { latency: { before: latency.before, after: latency.after, ratio: latency.ratio, verdict: latency.verdict } } : {}) }, null, 2));
      } else {
        for (const s of r.steps) io.out(stepLine(s, count));
        if (latency) io.out(`latency: ${ms(latency.before)} → ${ms(latency.after)} ms median, ${(1 / latency.ratio).toFixed(2)}x speed-up (${latency.verdict})`);
        if (saved) io.out(`wrote ${saved}`);
      }
      if (r.failed) {
        if (!a.json && r.failed.verification) io.err(verificationText(r.failed.verification));
        const reason = r.failed.verification?.reason ?? r.failed.verification?.outputs.find((o) => !o.passed)?.reason ?? 'outputs out of tolerance';
        io.err(`onnx-workbench: step ${r.failed.index} (${r.failed.label}): verification failed at ${r.failed.tolerance}: ${reason}; nothing written`);
        return 1;
      }
      return 0;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
