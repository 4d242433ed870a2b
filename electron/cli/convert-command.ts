import { WorkbenchError } from '../../shared/errors.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench convert MODEL -o OUT [--external-data [--threshold BYTES] | --inline-data] [--overwrite]';
const DEFAULT_THRESHOLD = 1024;

export const convertCommand: Command = {
  name: 'convert',
  usage: USAGE,
  summary: 're-save a model, optionally moving large tensors to external data',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      { output: 'string', 'external-data': 'flag', threshold: 'count', 'inline-data': 'flag', overwrite: 'flag' },
      { '-o': 'output' },
    );
    const input = onePositional(args, 'MODEL', USAGE);
    const output = args.options.output as string | undefined;
    if (!output) throw new WorkbenchError('USAGE', `missing -o OUT; usage: ${USAGE}`);
    const external = args.options['external-data'] === true;
    if (args.options.threshold !== undefined && !external) {
      throw new WorkbenchError('USAGE', '--threshold only applies with --external-data');
    }
    if (external && args.options['inline-data']) {
      throw new WorkbenchError('USAGE', '--external-data and --inline-data contradict each other');
    }
    const m = await openModel(input);
    const result = await saveModel(m.ir.toProto(), output, {
      ...(external ? { externalData: { threshold: Number(args.options.threshold ?? DEFAULT_THRESHOLD) } } : {}),
      inline: args.options['inline-data'] === true,
      overwriteInput: args.options.overwrite === true,
      source: { path: m.path, external: m.external },
    });
    const data = result.dataPath ? `; ${result.externalTensors} tensor(s), ${result.dataBytes} bytes in ${result.dataPath}` : '';
    io.out(`wrote ${result.path} (${result.bytes} bytes${data})`);
    return 0;
  },
};
