import { WorkbenchError } from '../../shared/errors.js';
import type { IrModel } from '../../shared/ir/model.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { countNodes } from '../../shared/rewrite/pass-manager.js';
import {
  addOutput,
  deleteNode,
  deleteSubtree,
  extractSubgraph,
  inputShape,
  parseShapeText,
  rename,
  setAttribute,
  setInitializer,
  type EditReport,
} from '../../shared/surgery/index.js';
import { findNode, graphDefining, valueNames } from '../../shared/surgery/find-node.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { onePositional, parseArgs, type OptionKind } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'onnx-workbench edit MODEL -o OUT [--delete NODE] [--delete-subtree NODE] [--extract IN,...:OUT,...] [--rename A=B] [--set-attr NODE.attr=VALUE] [--set-init NAME=[v,...]] [--input-shape NAME=1x3x224x224] [--add-output VALUE] [--overwrite] [--json]';

const EDIT_OPTIONS = ['delete', 'delete-subtree', 'extract', 'rename', 'set-attr', 'set-init', 'input-shape', 'add-output'] as const;
type EditOption = (typeof EDIT_OPTIONS)[number];

function nodeExists(model: IrModel, key: string): boolean {
  try {
    findNode(model, key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits `text` at the first `sep` where `accept` likes both sides, else at the first `sep`: names
 * may hold the separator (`input:0` from TensorFlow exports), and the model says which split is meant.
 */
function splitAt(text: string, sep: string, accept: (left: string, right: string) => boolean): [string, string] | undefined {
  const at: number[] = [];
  for (let i = text.indexOf(sep); i >= 0; i = text.indexOf(sep, i + 1)) at.push(i);
  if (!at.length) return undefined;
  const i = at.find((k) => accept(text.slice(0, k), text.slice(k + sep.length))) ?? at[0]!;
  return [text.slice(0, i), text.slice(i + sep.length)];
}

const list = (s: string) => s.split(',').filter((v) => v !== '');

function applyOne(model: IrModel, option: EditOption, arg: string): EditReport {
  const bad = (form: string) => new WorkbenchError('BAD_OPTION', `--${option} needs ${form}, not "${arg}"`);
  switch (option) {
    case 'delete':
      return deleteNode.apply(model, { node: arg });
    case 'delete-subtree':
      return deleteSubtree.apply(model, { node: arg });
    case 'extract': {
      const names = valueNames(model);
      const parts = splitAt(arg, ':', (l, r) => [...list(l), ...list(r)].every((v) => names.has(v)));
      if (!parts || !list(parts[1]).length) throw bad('IN,...:OUT,... (at least one output)');
      return extractSubgraph.apply(model, { inputs: list(parts[0]), outputs: list(parts[1]) });
    }
    case 'rename': {
      const names = valueNames(model);
      const parts = splitAt(arg, '=', (l) => names.has(l) || nodeExists(model, l));
      if (!parts || parts[0] === '' || parts[1] === '') throw bad('OLD=NEW');
      return rename.apply(model, { from: parts[0], to: parts[1] });
    }
    case 'set-attr': {
      const parts = splitAt(arg, '=', (l) => l.includes('.') && nodeExists(model, l.slice(0, l.lastIndexOf('.'))));
      const dot = parts ? parts[0].lastIndexOf('.') : -1;
      if (!parts || dot <= 0 || dot === parts[0].length - 1) throw bad('NODE.attr=VALUE');
      return setAttribute.apply(model, { node: parts[0].slice(0, dot), attribute: parts[0].slice(dot + 1), value: parts[1] });
    }
    case 'set-init': {
      const parts = splitAt(arg, '=', (l) => graphDefining(model, l)?.initializers.has(l) === true);
      if (!parts || parts[0] === '') throw bad('NAME=[v,...]');
      return setInitializer.apply(model, { initializer: parts[0], values: parts[1] });
    }
    case 'input-shape': {
      // Shapes never hold '=', input names might.
      const i = arg.lastIndexOf('=');
      if (i <= 0) throw bad('NAME=SHAPE (like 1x3x224x224 or Nx3x224x224)');
      return inputShape.apply(model, { input: arg.slice(0, i), shape: parseShapeText(arg.slice(i + 1)) });
    }
    case 'add-output':
      return addOutput.apply(model, { value: arg });
  }
}

export const editCommand: Command = {
  name: 'edit',
  usage: USAGE,
  summary: 'graph surgery: delete nodes or subtrees, extract a subgraph, rename, set attributes, small initializers or input shapes, add outputs (applied in order, each validated)',
  async run(argv, io) {
    const spec: Record<string, OptionKind> = { output: 'string', json: 'flag', overwrite: 'flag' };
    for (const o of EDIT_OPTIONS) spec[o] = 'list';
    const args = parseArgs(argv, spec, { '-o': 'output' });
    const input = onePositional(args, 'MODEL', USAGE);
    const output = args.options.output as string | undefined;
    if (!output) throw new WorkbenchError('USAGE', `missing -o OUT; usage: ${USAGE}`);
    const edits = args.sequence.filter((s): s is { name: EditOption; value: string } => (EDIT_OPTIONS as readonly string[]).includes(s.name));
    if (!edits.length) throw new WorkbenchError('USAGE', `no edit given; usage: ${USAGE}`);

    const opened = await openModel(input);
    const model = opened.ir;
    const originalNames = nodeNamesById(model);
    const nodesBefore = countNodes(model);
    const reports = edits.map(({ name, value }) => {
      try {
        return { option: `--${name}`, argument: value, ...applyOne(model, name, value) };
      } catch (e) {
        if (e instanceof WorkbenchError && !e.message.startsWith(`--${name}`)) throw new WorkbenchError(e.code, `--${name} ${value}: ${e.message}`);
        throw e;
      }
    });
    const saved = await saveModel(withOrigins(model.toProto(), model, originalNames), output, {
      overwriteInput: args.options.overwrite === true,
      source: opened,
    });
    const nodesAfter = countNodes(model);
    if (args.options.json) {
      io.out(JSON.stringify({ model: opened.path, output: saved.path, nodesBefore, nodesAfter, edits: reports }, null, 2));
    } else {
      for (const r of reports) io.out(`${r.option} ${r.argument}: ${r.summary} (nodes ${r.nodesBefore} → ${r.nodesAfter})`);
      io.out(`wrote ${saved.path}`);
    }
    return 0;
  },
};
