import { WorkbenchError } from '../../shared/errors.js';
import { OPTIMIZATION_LEVELS, PROVIDERS, type OptimizationLevel, type ProviderName } from '../runtime-host/host-protocol.js';
import { startModelServer } from '../serving/model-server.js';
import { parseModelSpec } from '../serving/served-model.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'onnx-workbench serve-model [NAME[@VERSION]=]MODEL... [--ep cpu|cuda|tensorrt] [--device N] [--threads N] [--optimization disabled|basic|extended|all] [--port N] [--host 127.0.0.1] [--token T] [--max-batch B] [--max-delay-ms D] [--instances K] [--max-queue N] [--timeout SECONDS] [--max-body BYTES] [--state NAME:INPUT=OUTPUT] [--no-direct]';

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value as string)) throw new WorkbenchError('BAD_OPTION', `--${option} must be one of ${allowed.join(', ')}, not "${String(value)}"`);
  return value as T;
}

function atLeast(option: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (n < min) throw new WorkbenchError('BAD_OPTION', `--${option} must be at least ${min}`);
  return n;
}

/** `--state NAME:INPUT=OUTPUT` options by model name. */
function stateOptions(list: string[] | undefined): Map<string, Record<string, string>> {
  const by = new Map<string, Record<string, string>>();
  for (const item of list ?? []) {
    const m = /^([^:]+):([^=]+)=(.+)$/.exec(item);
    if (!m) throw new WorkbenchError('BAD_OPTION', `--state needs NAME:INPUT=OUTPUT, not "${item}"`);
    by.set(m[1]!, { ...by.get(m[1]!), [m[2]!]: m[3]! });
  }
  return by;
}

export const serveModelCommand: Command = {
  name: 'serve-model',
  usage: USAGE,
  summary: 'serve models over the KServe v2 inference protocol (HTTP/JSON + binary tensors) with dynamic batching, async jobs, streams, /metrics; 127.0.0.1 unless --host',
  async run(argv, io) {
    const args = parseArgs(argv, {
      ep: 'string',
      device: 'count',
      threads: 'count',
      optimization: 'string',
      port: 'count',
      host: 'string',
      token: 'string',
      'max-batch': 'count',
      'max-delay-ms': 'count',
      instances: 'count',
      'max-queue': 'count',
      timeout: 'count',
      'max-body': 'count',
      state: 'list',
      'no-direct': 'flag',
    });
    if (!args.positional.length) throw new WorkbenchError('USAGE', `missing MODEL; usage: ${USAGE}`);
    const o = args.options;
    const states = stateOptions(o.state as string[] | undefined);
    const models = args.positional.map((a) => {
      const spec = parseModelSpec(a);
      return { ...spec, ...(states.has(spec.name) ? { state: states.get(spec.name)! } : {}) };
    });
    for (const name of states.keys()) if (!models.some((m) => m.name === name)) throw new WorkbenchError('BAD_OPTION', `--state ${name}:…: no model named '${name}'`);
    const server = await startModelServer({
      models,
      session: {
        provider: oneOf<ProviderName>('ep', o.ep, PROVIDERS, 'cpu'),
        deviceId: atLeast('device', o.device, 0, 0),
        optimization: oneOf<OptimizationLevel>('optimization', o.optimization, OPTIMIZATION_LEVELS, 'all'),
        ...(o.threads !== undefined ? { intraOpThreads: atLeast('threads', o.threads, 1, 1) } : {}),
      },
      host: typeof o.host === 'string' ? o.host : '127.0.0.1',
      port: atLeast('port', o.port, 0, 0),
      ...(typeof o.token === 'string' ? { token: o.token } : {}),
      maxBatch: atLeast('max-batch', o['max-batch'], 1, 1),
      maxDelayMs: atLeast('max-delay-ms', o['max-delay-ms'], 0, 0),
      instances: atLeast('instances', o.instances, 1, 1),
      maxQueue: atLeast('max-queue', o['max-queue'], 1, 256),
      timeoutMs: atLeast('timeout', o.timeout, 1, 30) * 1000,
      maxBodyBytes: atLeast('max-body', o['max-body'], 1024, 64 * 1024 * 1024),
      direct: o['no-direct'] !== true,
    });
    io.out(`serving at ${server.url} (KServe v2: ${server.url}/v2/models/NAME/infer, metrics: ${server.url}/metrics)`);
    for (const m of server.models) io.out(`  ${m.name} version ${m.version}: ${m.path}${m.batchable ? ' (batchable)' : ''}${Object.keys(m.state).length ? ` (streams carry ${Object.entries(m.state).map(([i, out]) => `${out}→${i}`).join(', ')})` : ''}`);
    if (server.token !== undefined) io.out(`token: ${server.token} (send Authorization: Bearer TOKEN)`);
    io.out('(press Ctrl+C to stop; requests already accepted are finished first)');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    io.out('stopping: finishing accepted requests');
    await server.close();
    return 0;
  },
};
