import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';

const sample = fileURLToPath(new URL('../../assets/sample.onnx', import.meta.url));

describe('browser host', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer(sample);
  });
  afterAll(() => server.close());

  const at = (path: string) => new URL(path, server.url).href;

  it('binds 127.0.0.1 and puts a fresh random token in its URL', async () => {
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const other = await startLocalServer(sample);
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await fetch(at('/api/summary'))).status).toBe(401);
    expect((await fetch(at(`/api/summary?token=${'x'.repeat(32)}`))).status).toBe(401);
    expect((await fetch(at('/api/summary'), { headers: { 'x-workbench-token': server.token.slice(1) } })).status).toBe(401);
    expect((await fetch(at('/'))).status).toBe(401);
  });

  it('serves the page and the model summary to a request with the token', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ONNX Workbench');
    const r = await fetch(at('/api/summary'), { headers: { 'x-workbench-token': server.token } });
    expect(r.status).toBe(200);
    const s = (await r.json()) as { nodeCountTotal: number; inputs: { name: string }[] };
    expect(s.inputs.map((i) => i.name)).toEqual(['image', 'use_softmax']);
    expect(s.nodeCountTotal).toBe(19);
  });
});
