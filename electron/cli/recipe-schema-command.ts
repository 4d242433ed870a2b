import { WorkbenchError } from '../../shared/errors.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { recipeJsonSchema } from '../../shared/recipe/recipe-schema.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench recipe-schema';

export const recipeSchemaCommand: Command = {
  name: 'recipe-schema',
  usage: USAGE,
  summary: 'print the JSON Schema of recipe files (generated from the operations this build has), for editors and CI checks',
  async run(argv, io) {
    const args = parseArgs(argv, {});
    if (args.positional.length) throw new WorkbenchError('USAGE', `unexpected argument "${args.positional[0]}"; usage: ${USAGE}`);
    io.out(JSON.stringify(recipeJsonSchema(defaultOperations()), null, 2));
    return 0;
  },
};
