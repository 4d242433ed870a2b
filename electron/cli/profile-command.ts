import { latencyLines, nodeSumWarnings, profileOptionsFrom, progressPrinter, reportPathsFrom, RUN_OPTION_SPEC, RUN_OPTIONS_USAGE, topNodesTable } from '../profile/cli-options.js';
import { prepareModel, profileModel } from '../profile/profile-model.js';
import { writeReports } from '../profile/report-files.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { withRuntimeHost } from './with-runtime-host.js';

const USAGE = `onnx-workbench profile MODEL ${RUN_OPTIONS_USAGE} [--json OUT|-] [--csv OUT] [--html OUT] [--netron OUT]`;

export const profileCommand: Command = {
  name: 'profile',
  usage: USAGE,
  summary: 'per-node latency under onnxruntime (its profiler, attributed to the model\'s nodes), end-to-end latency, and JSON/CSV/HTML/Netron reports',
  async run(argv, io) {
    const args = parseArgs(argv, { ...RUN_OPTION_SPEC, netron: 'string' });
    const path = onePositional(args, 'MODEL', USAGE);
    const options = profileOptionsFrom(args);
    const quiet = args.options.quiet === true;
    options.onNote = (line) => io.err(line);
    const onProgress = progressPrinter(io, quiet);
    if (onProgress) options.onProgress = onProgress;
    const top = args.options.top !== undefined ? Number(args.options.top) : 15;
    return withRuntimeHost(io, async (host, signal) => {
      options.signal = signal;
      const model = await prepareModel(path);
      const report = await profileModel(model, options, host);
      const written = await writeReports(report, reportPathsFrom(args), model.index);
      if (args.options.json === '-') io.out(JSON.stringify(report, null, 2));
      else {
        io.out(topNodesTable(report, top));
        for (const line of latencyLines(report)) io.out(line);
      }
      for (const line of nodeSumWarnings(report)) io.err(line);
      for (const line of written) io.err(line);
      return 0;
    });
  },
};
