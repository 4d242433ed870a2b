import { WorkbenchError } from '../../shared/errors.js';
import type { NodeId } from '../../shared/ir/journal.js';
import { allGraphs, type IrModel } from '../../shared/ir/model.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { pickPasses, runPasses, type RunResult } from '../../shared/rewrite/pass-manager.js';
import type { Target } from '../../shared/rewrite/pass.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { optimizationSetup } from '../optimize/optimization-setup.js';
import { toleranceChooser } from '../optimize/tolerance-chooser.js';
import { verifyModels } from '../runtime/verify.js';
import { verificationText } from './verification-text.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { runRecipeCommand } from './recipe-run.js';
import { checkVerifySettings, VERIFY_OPTION_SPEC, VERIFY_OPTIONS_USAGE, verifyInputSettingsFrom, verifyOptionsFrom } from './verify-options.js';

const USAGE =
  `onnx-workbench optimize MODEL -o OUT [--target portable|onnxruntime] [--passes a,b,c | --preset NAME] [--nodes ID,...] [--dry-run] ${VERIFY_OPTIONS_USAGE} [--json]\n       onnx-workbench optimize MODEL -o OUT --recipe FILE [--json]`;

// Flags a recipe says itself (target, steps, verification); given with --recipe they would be ignored.
const NOT_WITH_RECIPE = ['target', 'passes', 'preset', 'nodes', 'dry-run', 'verify', 'dim', 'value', 'inputs'];

/** `--nodes ID|NAME,...` as node ids, or a WorkbenchError naming the unknown one. */
export function resolveScope(model: IrModel, spec: string): NodeId[] {
  const byName = new Map<string, NodeId>();
  const ids = new Set<NodeId>();
  for (const g of allGraphs(model.graph)) {
    for (const n of g.nodes) {
      ids.add(n.id);
      if (n.name) byName.set(n.name, n.id);
    }
  }
  return spec.split(',').map((item) => {
    const key = item.trim();
    if (/^\d+$/.test(key) && ids.has(Number(key))) return Number(key);
    const id = byName.get(key);
    if (id === undefined) throw new WorkbenchError('BAD_OPTION', `--nodes: no node with id or name "${key}"`);
    return id;
  });
}

function table(r: RunResult): string {
  const rows = r.passes.map((p) => [p.name, p.skipped ? `skipped: ${p.skipped}` : String(p.matches), String(p.nodesBefore), String(p.nodesAfter), p.ms.toFixed(1)]);
  const head = ['pass', 'matches', 'nodes before', 'nodes after', 'ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line), `nodes: ${r.nodesBefore} → ${r.nodesAfter}`].join('\n');
}

export { verificationText } from './verification-text.js';

export const optimizeCommand: Command = {
  name: 'optimize',
  usage: USAGE,
  summary: 'apply cleanup and fusion passes (all, a preset, or a list; optionally on selected nodes) or a recipe of steps, and verify outputs',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      { output: 'string', target: 'string', passes: 'string', preset: 'string', nodes: 'string', 'dry-run': 'flag', json: 'flag', overwrite: 'flag', recipe: 'string', ...VERIFY_OPTION_SPEC },
      { '-o': 'output' },
    );
    const input = onePositional(args, 'MODEL', USAGE);
    if (typeof args.options.recipe === 'string') {
      const clash = NOT_WITH_RECIPE.find((k) => args.options[k] !== undefined);
      if (clash) throw new WorkbenchError('USAGE', `--${clash} does not combine with --recipe (the recipe says its target, steps and verification)`);
      if (!args.options.output) throw new WorkbenchError('USAGE', `missing -o OUT; usage: ${USAGE}`);
      return runRecipeCommand({ input, output: args.options.output as string, recipe: args.options.recipe, json: args.options.json === true, overwrite: args.options.overwrite === true }, io);
    }
    const target = (args.options.target ?? 'portable') as Target;
    if (target !== 'portable' && target !== 'onnxruntime') throw new WorkbenchError('BAD_OPTION', `--target must be portable or onnxruntime, not "${target}"`);
    const dryRun = args.options['dry-run'] === true;
    const output = args.options.output as string | undefined;
    if (!output && !dryRun) throw new WorkbenchError('USAGE', `missing -o OUT (or --dry-run); usage: ${USAGE}`);
    if (dryRun && args.options.verify) throw new WorkbenchError('USAGE', '--verify checks a written model; it does not combine with --dry-run');
    if (args.options.passes && args.options.preset) throw new WorkbenchError('USAGE', 'give --passes or --preset, not both');
    const presetName = (args.options.preset as string | undefined) ?? 'default';
    const preset = PRESETS[presetName];
    if (!preset) throw new WorkbenchError('BAD_OPTION', `unknown preset "${presetName}" (${Object.keys(PRESETS).join(', ')})`);
    const passes = pickPasses(ALL_PASSES, args.options.passes ? (args.options.passes as string).split(',').map((s) => s.trim()) : preset);
    const verifySettings = verifyInputSettingsFrom(args);

    const opened = await openModel(input);
    if (args.options.verify) checkVerifySettings(opened.proto.graph ?? {}, verifySettings);
    const setup = await optimizationSetup(opened);
    const scope = args.options.nodes ? resolveScope(opened.ir, args.options.nodes as string) : undefined;
    const originalNames = nodeNamesById(opened.ir);
    const chooseTolerances = args.options.verify ? toleranceChooser(opened.ir, passes) : undefined;
    const result = await runPasses(opened.ir, passes, { target, dryRun, ...(scope ? { scope } : {}), ...setup.runOptions });

    let saved: string | undefined;
    let verification: VerificationResult | undefined;
    if (!dryRun) {
      // Provenance travels in the file (node metadata) so that `compare` can match B's nodes to A's.
      const r = await saveModel(withOrigins(opened.ir.toProto(), opened.ir, originalNames), output!, {
        overwriteInput: args.options.overwrite === true,
        source: opened,
      });
      saved = r.path;
      if (args.options.verify) {
        const { tolerance, outputs } = chooseTolerances!(result);
        verification = await verifyModels(opened.path, r.path, { tolerance, outputTolerances: outputs, ...verifyOptionsFrom(verifySettings) });
      }
    }
    await setup.close();

    if (args.options.json) {
      io.out(JSON.stringify({ model: opened.path, output: saved ?? null, target, dryRun, ...result, ...(verification ? { verification } : {}) }, null, 2));
    } else {
      io.out(table(result));
      if (saved) io.out(`wrote ${saved}`);
      if (verification) io.out(verificationText(verification));
    }
    return verification && !verification.passed ? 1 : 0;
  },
};
