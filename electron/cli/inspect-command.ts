import { summarizeModel, type ModelSummary, type ValueSummary } from '../../shared/onnx/model-summary.js';
import { openModel } from '../io/open-model.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'onnx-workbench inspect MODEL [--json]';

function shapeText(v: ValueSummary): string {
  if (!v.shape) return '?';
  return `[${v.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function humanSummary(path: string, s: ModelSummary, fileSize: number): string {
  const lines = [
    `${path}`,
    `  IR version ${s.irVersion}; opsets ${s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}`,
    `  producer   ${s.producerName || '(none)'}${s.producerVersion ? ` ${s.producerVersion}` : ''}`,
    `  file       ${fileSize.toLocaleString('en-US')} bytes${s.externalDataFiles.length ? `; external data: ${s.externalDataFiles.join(', ')}` : ''}`,
    `  nodes      ${s.nodeCount} in the main graph, ${s.nodeCountTotal} with ${s.subgraphCount} subgraph(s)${s.functionCount ? `; ${s.functionCount} function(s)` : ''}`,
    `  weights    ${s.initializerCount} initializer(s), ${s.parameterCount.toLocaleString('en-US')} float parameters${s.constantParameterCount ? ` (+${s.constantParameterCount.toLocaleString('en-US')} in Constant nodes)` : ''}`,
    '  inputs',
    ...s.inputs.map((v) => `    ${v.name}: ${v.elemType} ${shapeText(v)}`),
    '  outputs',
    ...s.outputs.map((v) => `    ${v.name}: ${v.elemType} ${shapeText(v)}`),
    '  operators',
    ...Object.entries(s.opTypes).map(([op, n]) => `    ${String(n).padStart(6)}  ${op}`),
  ];
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  usage: USAGE,
  summary: 'print a model summary (or JSON with --json)',
  async run(argv, io) {
    const args = parseArgs(argv, { json: 'flag' });
    const path = onePositional(args, 'MODEL', USAGE);
    const m = await openModel(path);
    const summary = summarizeModel(m.ir, m.external.list.map((f) => f.location));
    io.out(args.options.json ? JSON.stringify(summary, null, 2) : humanSummary(path, summary, m.fileSize));
    return 0;
  },
};
