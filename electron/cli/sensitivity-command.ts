// `onnx-workbench sensitivity FLOAT QUANT`: per quantized layer, how far its output drifts from
// the float model's on the same inputs (SQNR, cosine, max abs error), worst first.

import { WorkbenchError } from '../../shared/errors.js';
import type { SensitivityReport } from '../../shared/quantize/sensitivity-report.js';
import { openModel } from '../io/open-model.js';
import { measureSensitivity } from '../quantize/sensitivity.js';
import { parseArgs } from './args.js';
import { jsonText } from './json-text.js';
import type { Command } from './command.js';
import { checkVerifySettings, verifyInputSettingsFrom } from './verify-options.js';
import { withRuntimeHost } from './with-runtime-host.js';

const USAGE = 'onnx-workbench sensitivity FLOAT.onnx QUANT.onnx [--inputs PATH] [--value NAME=NUMBER] [--dim name=value] [--top K] [--json]';

/** SQNR as printed: `inf` for equal outputs. */
export function sqnrText(db: number): string {
  return db === Infinity ? 'inf' : db === -Infinity ? '-inf' : db.toFixed(1);
}

/** The table: rank, node, op, SQNR, cosine, max abs error. */
export function sensitivityLines(r: SensitivityReport, top: number): string[] {
  const shown = r.layers.slice(0, top);
  const width = Math.max(4, ...shown.map((l) => l.node.length));
  const opWidth = Math.max(2, ...shown.map((l) => l.opType.length));
  const lines = [`${'rank'.padStart(4)}  ${'node'.padEnd(width)}  ${'op'.padEnd(opWidth)}  ${'SQNR dB'.padStart(8)}  ${'cosine'.padStart(10)}  max abs error`];
  shown.forEach((l, i) => lines.push(`${String(i + 1).padStart(4)}  ${l.node.padEnd(width)}  ${l.opType.padEnd(opWidth)}  ${sqnrText(l.sqnrDb).padStart(8)}  ${l.cosine.toFixed(6).padStart(10)}  ${l.maxAbsError.toExponential(2)}`));
  if (r.layers.length > shown.length) lines.push(`(${r.layers.length - shown.length} more; --top ${r.layers.length} shows all)`);
  return lines;
}

export const sensitivityCommand: Command = {
  name: 'sensitivity',
  usage: USAGE,
  summary: 'per quantized layer, how far its output drifts from the float model on the same inputs (SQNR dB, cosine), worst first',
  async run(argv, io) {
    const args = parseArgs(argv, { inputs: 'string', value: 'list', dim: 'list', top: 'count', json: 'flag' });
    if (args.positional.length !== 2) throw new WorkbenchError('USAGE', `sensitivity needs the float and the quantized model; usage: ${USAGE}`);
    const [floatPath, quantPath] = args.positional as [string, string];
    // The same input options as --verify's, here always in use.
    const inputs = verifyInputSettingsFrom({ ...args, options: { ...args.options, verify: true } });
    const top = args.options.top !== undefined ? Number(args.options.top) : 20;
    if (!(top >= 1)) throw new WorkbenchError('BAD_OPTION', '--top must be 1 or more');
    const opened = await openModel(floatPath);
    checkVerifySettings(opened.proto.graph ?? {}, inputs);
    await openModel(quantPath);
    return withRuntimeHost(io, async (host, signal) => {
      const report = await measureSensitivity(host, floatPath, quantPath, inputs, {
        signal,
        ...(args.options.json ? {} : { onProgress: (p) => p.done < p.total && io.err(`${p.step}`) }),
      });
      if (args.options.json) {
        io.out(jsonText(report));
        return 0;
      }
      io.out(`${report.layers.length} quantized layers compared on ${report.samples} input set${report.samples === 1 ? '' : 's'} (worst first):`);
      for (const line of sensitivityLines(report, top)) io.out(line);
      return 0;
    });
  },
};
