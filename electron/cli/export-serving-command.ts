import { basename } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { PROVIDERS, type ProviderName } from '../runtime-host/host-protocol.js';
import { exportServing } from '../serving/export-serving.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { withRuntimeHost } from './with-runtime-host.js';

const USAGE =
  'onnx-workbench export-serving MODEL --format triton|kserve -o DIR [--name NAME] [--version V] [--ep cpu|cuda|tensorrt] [--instances K] [--max-batch B] [--max-delay-ms D] [--batch-sizes 1,2,4,...] [--runs N] [--storage-uri URI]';

export const exportServingCommand: Command = {
  name: 'export-serving',
  usage: USAGE,
  summary: 'write a Triton model repository (config.pbtxt: inputs/outputs, onnxruntime backend, provider, dynamic batching from the best measured batch size) and, for kserve, an InferenceService manifest',
  async run(argv, io) {
    const args = parseArgs(argv, { format: 'string', o: 'string', name: 'string', version: 'string', ep: 'string', instances: 'count', 'max-batch': 'count', 'max-delay-ms': 'count', 'batch-sizes': 'string', runs: 'count', 'storage-uri': 'string' }, { '-o': 'o', '--out': 'o' });
    const model = onePositional(args, 'MODEL', USAGE);
    const o = args.options;
    if (o.format !== 'triton' && o.format !== 'kserve') throw new WorkbenchError('USAGE', `--format must be triton or kserve${o.format ? `, not "${String(o.format)}"` : ''}`);
    if (typeof o.o !== 'string') throw new WorkbenchError('USAGE', `-o DIR is needed; usage: ${USAGE}`);
    const provider = (o.ep ?? 'cpu') as ProviderName;
    if (!PROVIDERS.includes(provider)) throw new WorkbenchError('BAD_OPTION', `--ep must be one of ${PROVIDERS.join(', ')}, not "${provider}"`);
    const name = typeof o.name === 'string' ? o.name : basename(model).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_');
    const sizes = typeof o['batch-sizes'] === 'string' ? o['batch-sizes'].split(',').map(Number) : [1, 2, 4, 8, 16, 32];
    if (!sizes.length || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new WorkbenchError('BAD_OPTION', '--batch-sizes needs whole numbers of at least 1, separated by commas');
    if (o['max-batch'] !== undefined && Number(o['max-batch']) < 1) throw new WorkbenchError('BAD_OPTION', '--max-batch must be at least 1');
    return withRuntimeHost(io, async () => {
      const r = await exportServing({
        model,
        format: o.format as 'triton' | 'kserve',
        outDir: o.o as string,
        name,
        version: typeof o.version === 'string' ? o.version : '1',
        session: { provider, deviceId: 0, optimization: 'all', freeDimensionOverrides: {} },
        instances: Number(o.instances ?? 1) || 1,
        ...(o['max-batch'] !== undefined ? { maxBatch: Number(o['max-batch']) } : {}),
        ...(o['max-delay-ms'] !== undefined ? { maxDelayMs: Number(o['max-delay-ms']) } : {}),
        sizes: [...new Set(sizes)].sort((a, b) => a - b),
        runs: Number(o.runs ?? 10) || 10,
        storageUri: typeof o['storage-uri'] === 'string' ? o['storage-uri'] : 's3://CHANGE-ME/model-repository',
      });
      if (r.choice) {
        io.out('measured batch sizes (median session.run, onnxruntime in the runtime host):');
        for (const m of r.choice.measured) io.out(`  batch ${String(m.batch).padStart(3)}: ${m.runMs.toFixed(3)} ms, ${m.rowsPerSecond.toFixed(0)} rows/s${m.batch === r.choice.preferred ? '  <- chosen (smallest within 5% of the best rows/s)' : ''}`);
      } else if (!r.batchable) io.out('the model\'s first dim is not free in every input and output: max_batch_size 0 (no batching by Triton)');
      for (const f of r.files) io.out(`wrote ${f}`);
      if (o.format === 'kserve' && typeof o['storage-uri'] !== 'string') io.out(`upload ${o.o as string} (without inference-service.yaml) and set storageUri in the manifest (or pass --storage-uri)`);
      return 0;
    });
  },
};
