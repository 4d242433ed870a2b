import { WorkbenchError } from '../../shared/errors.js';
import type { Command, CommandIO } from './command.js';
import { compareCommand } from './compare-command.js';
import { convertCommand } from './convert-command.js';
import { editCommand } from './edit-command.js';
import { inspectCommand } from './inspect-command.js';
import { optimizeCommand } from './optimize-command.js';
import { passesCommand } from './passes-command.js';
import { profileCommand } from './profile-command.js';
import { pruneCommand } from './prune-command.js';
import { quantizeCommand } from './quantize-command.js';
import { sensitivityCommand } from './sensitivity-command.js';
import { recipeSchemaCommand } from './recipe-schema-command.js';
import { serveCommand } from './serve-command.js';
import { serveModelCommand } from './serve-model-command.js';
import { loadCommand } from './load-command.js';
import { exportServingCommand } from './export-serving-command.js';

const COMMANDS: Command[] = [inspectCommand, convertCommand, optimizeCommand, quantizeCommand, sensitivityCommand, pruneCommand, editCommand, passesCommand, profileCommand, compareCommand, serveCommand, serveModelCommand, loadCommand, exportServingCommand, recipeSchemaCommand];

function help(): string {
  return [
    'usage: onnx-workbench <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'Exit codes: 0 success, 1 a check failed, 2 bad input or usage.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. User errors become one line on stderr and code 2. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.out(help());
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new WorkbenchError('USAGE', `unknown command "${name}" (try: ${COMMANDS.map((c) => c.name).join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${command.usage}\n${command.summary}`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof WorkbenchError) {
      io.err(`onnx-workbench: ${e.message}`);
      return 2;
    }
    // A bug of ours, not the user's: still one line, with the stack only when asked for.
    const err = e as Error;
    io.err(`onnx-workbench: internal error: ${err?.message ?? String(e)}${process.env.ONNX_WORKBENCH_DEBUG ? `\n${err?.stack}` : ''}`);
    return 1;
  }
}
