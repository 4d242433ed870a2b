import { fileURLToPath } from 'node:url';
import { WorkbenchError } from '../../shared/errors.js';
import { startLocalServer } from '../server/local-server.js';
import { openBrowser } from '../server/open-browser.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench serve [MODEL] [--port N] [--open]';
const SAMPLE = fileURLToPath(new URL('../../../assets/sample.onnx', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  usage: USAGE,
  summary: 'serve the workbench to a browser on 127.0.0.1 (the bundled sample when no MODEL is given); --open opens a browser',
  async run(argv, io) {
    const args = parseArgs(argv, { port: 'count', open: 'flag' });
    if (args.positional.length > 1) {
      throw new WorkbenchError('USAGE', `unexpected argument "${args.positional[1]}"; usage: ${USAGE}`);
    }
    const model = args.positional[0] ?? SAMPLE;
    const server = await startLocalServer({ model, port: Number(args.options.port ?? 0) });
    io.out(`ONNX Workbench is serving ${model} at ${server.url}`);
    if (!server.servesRenderer) io.out('(the UI is not built, so this is the summary page; `npm run build` builds it)');
    if (args.options.open) {
      const why = await openBrowser(server.url);
      if (why) io.out(why);
    }
    io.out('(press Ctrl+C to stop)');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
