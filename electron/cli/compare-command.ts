import { compareModels } from '../profile/compare-models.js';
import { latencyLines, nodeSumWarnings, profileOptionsFrom, progressPrinter, reportPathsFrom, RUN_OPTION_SPEC, RUN_OPTIONS_USAGE } from '../profile/cli-options.js';
import { writeReports } from '../profile/report-files.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { CompareReport } from '../../shared/profile/report-schema.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';
import { withRuntimeHost } from './with-runtime-host.js';

const USAGE = `onnx-workbench compare A.onnx B.onnx ${RUN_OPTIONS_USAGE} [--json OUT|-] [--csv OUT] [--html OUT]`;

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function summary(r: CompareReport, top: number): string[] {
  const lines = [`latency: A ${ms(r.a.endToEnd.medianMs)} ms, B ${ms(r.b.endToEnd.medianMs)} ms: ${r.verdict}`];
  for (const o of r.outputs) {
    const abs = o.maxAbsError === null ? 'n/a' : o.maxAbsError.toExponential(2);
    const cos = o.cosine === null ? 'n/a' : o.cosine.toFixed(6);
    const top1 = o.top1Agreement === null ? '' : `, top-1 agreement ${(o.top1Agreement * 100).toFixed(1)}%`;
    lines.push(`output ${o.name}: max abs error ${abs}, cosine ${cos}${top1}${o.reason ? ` (${o.reason})` : ''}`);
  }
  const s = r.structure;
  lines.push(`structure: ${s.nodesA} → ${s.nodesB} nodes (${s.added.length} added, ${s.removed.length} removed, ${s.foldedConstants} constants folded, ${s.changed.length} changed, ${s.fused.length} fused into others); parameters ${s.parametersA} → ${s.parametersB}; file ${s.fileSizeA} → ${s.fileSizeB} bytes`);
  lines.push('layers (largest first):');
  for (const l of r.layers.slice(0, top)) {
    const names = (xs: string[]) => (xs.length ? (xs.length > 3 ? `${xs.slice(0, 3).join(',')},+${xs.length - 3}` : xs.join(',')) : '-');
    lines.push(`  ${ms(l.aMs).padStart(8)} → ${ms(l.bMs).padStart(8)} ms  ${names(l.aNodes)} → ${names(l.bNodes)}  [${l.match}]`);
  }
  return [...lines, ...latencyLines(r.a, 'A '), ...latencyLines(r.b, 'B ')];
}

export const compareCommand: Command = {
  name: 'compare',
  usage: USAGE,
  summary: 'profile two models (B usually an optimized A) on the same inputs with interleaved runs: per-layer times, latency ratio, output agreement, structural diff',
  async run(argv, io) {
    const args = parseArgs(argv, RUN_OPTION_SPEC);
    if (args.positional.length !== 2) throw new WorkbenchError('USAGE', `compare needs two models; usage: ${USAGE}`);
    const [a, b] = args.positional as [string, string];
    const options = profileOptionsFrom(args);
    options.onNote = (line) => io.err(line);
    const onProgress = progressPrinter(io, args.options.quiet === true);
    if (onProgress) options.onProgress = onProgress;
    const top = args.options.top !== undefined ? Number(args.options.top) : 15;
    return withRuntimeHost(io, async (host, signal) => {
      options.signal = signal;
      const report = await compareModels(a, b, options, host);
      const written = await writeReports(report, reportPathsFrom(args));
      if (args.options.json === '-') io.out(JSON.stringify(report, null, 2));
      else for (const line of summary(report, top)) io.out(line);
      for (const line of [...nodeSumWarnings(report.a, 'model A: '), ...nodeSumWarnings(report.b, 'model B: ')]) io.err(line);
      for (const line of written) io.err(line);
      return 0;
    });
  },
};
