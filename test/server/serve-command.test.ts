import { describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/main.js';
import { startLocalServer } from '../../electron/server/local-server.js';
import { browserOpener } from '../../electron/server/open-browser.js';
import { SAMPLE } from './server-helpers.js';

// `onnx-workbench serve` refuses bad input with one line and exit code 2 before it serves anything.

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

describe('onnx-workbench serve', () => {
  it('names a missing model in one line and exits 2', async () => {
    const r = await cli(['serve', '/no/such/model.onnx']);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^onnx-workbench: .*\/no\/such\/model\.onnx/);
    expect(r.out).toEqual([]);
  });

  it('says which port is taken', async () => {
    const other = await startLocalServer({ model: SAMPLE });
    try {
      const r = await cli(['serve', SAMPLE, '--port', String(other.port)]);
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`onnx-workbench: port ${other.port} on 127.0.0.1 is in use; choose another with --port`]);
    } finally {
      await other.close();
    }
  });

  it('refuses unknown options and a second model', async () => {
    expect((await cli(['serve', '--host', '0.0.0.0'])).err).toEqual(['onnx-workbench: unknown option --host']);
    expect((await cli(['serve', SAMPLE, SAMPLE])).err[0]).toMatch(/^onnx-workbench: unexpected argument/);
  });

  it('opens a browser only where there is a desktop', () => {
    expect(browserOpener('linux', {})).toEqual({ none: 'no desktop session (DISPLAY and WAYLAND_DISPLAY are unset)' });
    expect(browserOpener('linux', { DISPLAY: ':0' })).toEqual({ command: 'xdg-open', args: [] });
    expect(browserOpener('darwin', {})).toEqual({ command: 'open', args: [] });
  });
});
