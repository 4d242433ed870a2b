import { readFile } from 'node:fs/promises';
import { WorkbenchError } from '../../shared/errors.js';
import { fsError } from '../io/fs-errors.js';
import { writeJsonFile } from '../io/json-file.js';
import { writeText } from '../profile/report-files.js';
import { isLocalHost } from '../serving/local-address.js';
import { prepareLoadTarget } from '../serving/load-target.js';
import { loadHtml, loadTable, stagesText } from '../serving/load-report.js';
import { runLoad, type LoadReport } from '../serving/load-test.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'onnx-workbench load URL --model NAME [--version V] (--rps R | --concurrency C) --duration S [--inputs PATH] [--batch N] [--seed N] [--token T] [--timeout S] [--label TEXT] [--compare RUN.json]... [--json OUT|-] [--html OUT] [--allow-remote]';

async function readRun(path: string): Promise<LoadReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return fsError(e, path, 'reading --compare');
  }
  try {
    const r = JSON.parse(text) as LoadReport;
    if (r.schema !== 'onnx-workbench.load') throw new Error('not written by onnx-workbench load --json');
    return { ...r, label: r.label ?? path };
  } catch (e) {
    throw new WorkbenchError('BAD_INPUT', `--compare ${path}: ${(e as Error).message}`);
  }
}

function positive(option: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new WorkbenchError('BAD_OPTION', `--${option} must be a positive number, not "${String(v)}"`);
  return n;
}

export const loadCommand: Command = {
  name: 'load',
  usage: USAGE,
  summary: 'load-test a KServe v2 server (serve-model\'s or another): fixed rate or fixed concurrency; latency percentiles, throughput, errors by kind; compares runs; this machine only unless --allow-remote',
  async run(argv, io) {
    const args = parseArgs(argv, { model: 'string', version: 'string', rps: 'string', concurrency: 'count', duration: 'string', inputs: 'string', batch: 'count', seed: 'count', token: 'string', timeout: 'count', label: 'string', compare: 'list', json: 'string', html: 'string', 'allow-remote': 'flag' });
    const o = args.options;
    const base = onePositional(args, 'URL', USAGE).replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(base);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      throw new WorkbenchError('BAD_OPTION', `"${base}" is not an http(s) URL`);
    }
    if (typeof o.model !== 'string') throw new WorkbenchError('USAGE', `--model NAME is needed; usage: ${USAGE}`);
    const rps = positive('rps', o.rps);
    const concurrency = positive('concurrency', o.concurrency);
    if ((rps === undefined) === (concurrency === undefined)) throw new WorkbenchError('USAGE', 'give one of --rps R (open loop) or --concurrency C (closed loop)');
    const duration = positive('duration', o.duration);
    if (duration === undefined) throw new WorkbenchError('USAGE', '--duration SECONDS is needed');
    if (!o['allow-remote'] && !(await isLocalHost(url.hostname))) {
      throw new WorkbenchError('REMOTE_TARGET', `${url.hostname} is not this machine; load tests go only to local addresses unless --allow-remote is given`);
    }
    const compared = await Promise.all(((o.compare as string[] | undefined) ?? []).map(readRun));
    const headers: Record<string, string> = typeof o.token === 'string' ? { authorization: `Bearer ${o.token}` } : {};
    const target = await prepareLoadTarget({
      base,
      model: o.model,
      ...(typeof o.version === 'string' ? { version: o.version } : {}),
      headers,
      ...(typeof o.inputs === 'string' ? { inputsPath: o.inputs } : {}),
      batch: Number(o.batch ?? 1) || 1,
      seed: Number(o.seed ?? 0),
    });
    io.err(`load: ${rps !== undefined ? `${rps} requests/s` : `${concurrency} clients`} for ${duration} s against ${target.inferUrl}`);
    const report = await runLoad({
      url: target.inferUrl,
      body: target.body,
      headers: target.headers,
      ...(rps !== undefined ? { rps } : { concurrency: concurrency! }),
      durationS: duration,
      timeoutMs: Number(o.timeout ?? 30) * 1000,
      onProgress: (done, s) => io.err(`  ${done} requests in ${s.toFixed(0)} s`),
    });
    if (typeof o.label === 'string') report.label = o.label;
    // Earlier runs first: ratios are against the first (say, batching off), this run last.
    const runs = [...compared, { ...report, label: report.label ?? 'this run' }];
    if (o.json === '-') io.out(JSON.stringify(report, null, 2));
    else {
      io.out(loadTable(runs));
      const stages = stagesText(report);
      if (stages) io.out(stages);
    }
    if (typeof o.json === 'string' && o.json !== '-') {
      await writeJsonFile(o.json, report);
      io.err(`wrote ${o.json}`);
    }
    if (typeof o.html === 'string') {
      await writeText(o.html, loadHtml(runs));
      io.err(`wrote ${o.html}`);
    }
    return report.ok === 0 ? 1 : 0;
  },
};
