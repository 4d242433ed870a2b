import { defaultOperations } from '../../shared/operations/registry.js';
import { PRESETS } from '../../shared/passes/registry.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench passes [--json]';

export const passesCommand: Command = {
  name: 'passes',
  usage: USAGE,
  summary: 'list the optimization passes with what they do, their target and what they need',
  async run(argv, io) {
    const args = parseArgs(argv, { json: 'flag' });
    // The same registry the app lists operations from; passes are its cleanup and fusion entries.
    const list = defaultOperations()
      .list()
      .filter((op) => (op.group === 'cleanup' || op.group === 'fusion') && op.target !== undefined)
      .map((op) => ({
        name: op.name,
        description: op.description,
        group: op.group,
        target: op.target!,
        requires: [...op.requires],
        numerics: op.tolerance,
        presets: Object.entries(PRESETS)
          .filter(([, names]) => names.includes(op.name))
          .map(([preset]) => preset),
      }));
    if (args.options.json) {
      io.out(JSON.stringify({ passes: list, presets: PRESETS }, null, 2));
      return 0;
    }
    const width = Math.max(...list.map((p) => p.name.length));
    for (const p of list) {
      const needs = p.requires.length ? `; needs ${p.requires.join(', ')}` : '';
      io.out(`${p.name.padEnd(width)}  [${p.target}${needs}]  ${p.description}`);
    }
    io.out(`\npresets: ${Object.entries(PRESETS).map(([k, v]) => `${k} (${v.length} passes)`).join(', ')}`);
    return 0;
  },
};
