import { fileURLToPath } from 'node:url';
import { startLocalServer } from '../server/local-server.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench serve [MODEL] [--port N]';
const SAMPLE = fileURLToPath(new URL('../../../assets/sample.onnx', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  usage: USAGE,
  summary: 'serve the workbench to a browser on 127.0.0.1 (the bundled sample when no MODEL is given)',
  async run(argv, io) {
    const args = parseArgs(argv, { port: 'count' });
    const model = args.positional[0] ?? SAMPLE;
    const server = await startLocalServer(model, Number(args.options.port ?? 0));
    io.out(`ONNX Workbench is serving ${model} at ${server.url}`);
    io.out('(press Ctrl+C to stop)');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
