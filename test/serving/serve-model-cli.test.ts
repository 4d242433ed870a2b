// `onnx-workbench serve-model` as a user runs it: the printed address answers, a model that
// cannot load is one line and exit 2, another address needs a token, and SIGTERM stops it cleanly.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/cli.js';
import { fixedModel, writeModels } from './serving-models.js';

const BIN = join(ROOT, 'bin/onnx-workbench.js');
let paths: Record<string, string>;
beforeAll(() => {
  ensureBuilt();
  paths = writeModels({ fixed: fixedModel() });
});

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve-model', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const printed = async (re: RegExp) => {
    while (!re.test(out)) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return re.exec(out)!;
  };
  return { child, exited, printed, output: () => ({ out, err }) };
}

// By default a runtime host answers the inference on the connection it was handed (logged as
// direct); --no-direct answers it through the server process.
it.each([[[], true], [['--no-direct'], undefined]] as const)('serves at the printed address (%j) and stops on SIGTERM after finishing', async (extra, direct) => {
  const s = start([`fixed=${paths.fixed!}`, '--port', '0', ...extra]);
  const url = (await s.printed(/serving at (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  expect(s.output().out).toMatch(/fixed version 1: .*fixed\.onnx/);
  const r = await fetch(`${url}/v2/models/fixed/infer`, {
    method: 'POST',
    body: JSON.stringify({ inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { name: 'k', datatype: 'INT64', shape: [2, 3], data: [1, 1, 1, 1, 1, 1] }], outputs: [{ name: 'y' }] }),
  });
  expect(((await r.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([2, 4, 6, 8, 10, 12]);
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
  const log = s.output().err.trim().split('\n').map((l) => JSON.parse(l) as { event: string; direct?: boolean });
  expect(log.map((l) => l.event)).toEqual(['started', 'request', 'stopped']);
  expect(log[1]!.direct).toBe(direct);
}, 60_000);

it('needs a token on another address, and makes one', async () => {
  const s = start([`fixed=${paths.fixed!}`, '--port', '0', '--host', '0.0.0.0']);
  const token = (await s.printed(/token: (\S+)/))[1]!;
  const port = (await s.printed(/serving at http:\/\/0\.0\.0\.0:(\d+)/))[1]!;
  expect((await fetch(`http://127.0.0.1:${port}/v2/models/fixed`)).status).toBe(401);
  expect((await fetch(`http://127.0.0.1:${port}/v2/models/fixed`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
}, 60_000);

it('refuses a model that cannot load, and bad options, in one line with exit 2', async () => {
  const missing = start([join(ROOT, 'no-such-model.onnx')]);
  expect(await missing.exited).toBe(2);
  expect(missing.output().err).toMatch(/^onnx-workbench: .*no-such-model\.onnx.*\n$/);
  const bad = start([`x@=${paths.fixed!}`]);
  expect(await bad.exited).toBe(2);
  expect(bad.output().err).toMatch(/name and version may hold letters/);
}, 60_000);
