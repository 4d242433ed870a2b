import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';
import { fromJson } from '../../shared/protocol/wire.js';
import { rawRequest, SAMPLE, tryWebSocket } from './server-helpers.js';

const json = { 'content-type': 'application/json' };

describe('browser host: who may talk to it', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ model: SAMPLE });
  });
  afterAll(() => server.close());

  const at = (path: string) => new URL(path, server.url).href;
  const auth = () => ({ 'x-workbench-token': server.token });

  it('binds 127.0.0.1 only and puts a fresh random token in its URL', async () => {
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toBe(server.token);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const other = await startLocalServer({ model: SAMPLE });
    expect(other.token).not.toBe(server.token);
    await other.close();
    // Every other address of this machine refuses the port.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of external) {
      const outcome = await new Promise<string>((resolve) => {
        const s = connect({ host: address, port: server.port });
        s.once('connect', () => (s.destroy(), resolve('connected')));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome, `port ${server.port} on ${address}`).not.toBe('connected');
    }
  });

  it('refuses the page, the API and uploads without the token or with a wrong one', async () => {
    const wrong = 'x'.repeat(32);
    for (const path of ['/', '/index.html', '/nope', '/api/initialModel', `/?token=${wrong}`, `/?token=${server.token.slice(1)}`, `/?token=`]) {
      const method = path.startsWith('/api/') ? 'POST' : 'GET';
      expect((await fetch(at(path), { method, headers: json, ...(method === 'POST' ? { body: '{}' } : {}) })).status, path).toBe(401);
    }
    const call = (headers: Record<string, string>) => fetch(at('/api/initialModel'), { method: 'POST', headers: { ...json, ...headers }, body: '{}' });
    expect((await call({ 'x-workbench-token': wrong })).status).toBe(401);
    expect((await call({ 'x-workbench-token': server.token.toUpperCase() })).status).toBe(401);
    expect((await call({ 'x-workbench-token': `${server.token}x` })).status).toBe(401);
    expect((await call({ authorization: `Bearer ${server.token}` })).status).toBe(401);
    const upload = await fetch(at('/api/upload?name=m.onnx'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: await readFile(SAMPLE),
    });
    expect(upload.status).toBe(401);
  });

  it('refuses the WebSocket upgrade without the token or with a wrong one', async () => {
    const ws = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await tryWebSocket(ws)).toBe(401);
    expect(await tryWebSocket(`${ws}?token=${'x'.repeat(32)}`)).toBe(401);
    expect(await tryWebSocket(`${ws}?token=${server.token.slice(0, -1)}`)).toBe(401);
    expect(await tryWebSocket(ws, { 'x-workbench-token': 'nope' })).toBe(401);
    expect(await tryWebSocket(`ws://127.0.0.1:${server.port}/elsewhere?token=${server.token}`)).toBe(404);
    expect(await tryWebSocket(`${ws}?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await tryWebSocket(`${ws}?token=${server.token}`)).toBe('open');
    expect(await tryWebSocket(ws, { 'x-workbench-token': server.token, origin: `http://127.0.0.1:${server.port}` })).toBe('open');
  });

  it('refuses other Host names (DNS rebinding) and other origins even with the token', async () => {
    const path = `/?token=${server.token}`;
    expect((await rawRequest(server.port, { path, headers: { host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await rawRequest(server.port, { path, headers: { host: '127.0.0.1:1' } })).status).toBe(403);
    expect((await rawRequest(server.port, { path, headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const cross = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/initialModel',
      headers: { ...json, ...auth(), origin: 'http://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
  });

  it('answers API misuse with a status and a one-line error', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = json) =>
      fetch(at(path), { method: 'POST', headers: { ...headers, ...auth() }, body });
    const get = await fetch(at('/api/initialModel'), { headers: auth() });
    expect(get.status).toBe(405);
    const form = await post('/api/initialModel', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const unknown = await post('/api/deleteEverything', '{}');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD', message: 'unknown method "deleteEverything"' } });
    const notJson = await post('/api/getGraphPart', '{"modelId":');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(/^getGraphPart: request body is not JSON/);
    const bad = await post('/api/getGraphPart', JSON.stringify({ modelId: 'm', path: [{ nodeId: 'one', attribute: 'x' }], part: 0 }));
    expect(bad.status).toBe(400);
    const error = ((await bad.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^bad parameters for getGraphPart: path\.0\.nodeId: /);
    const huge = await post('/api/getGraphPart', JSON.stringify({ modelId: 'x'.repeat(2 << 20), path: [], part: 0 }));
    expect(huge.status).toBe(413);
    const unknownModel = await post('/api/getGraphPart', JSON.stringify({ modelId: 'nope', path: [], part: 0 }));
    expect(unknownModel.status).toBe(422);
    expect(((await unknownModel.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_MODEL');
  });

  it('serves the summary page where the renderer is not built, with a strict policy', async () => {
    const bare = await startLocalServer({ model: SAMPLE, rendererDir: join(tmpdir(), 'no-such-renderer') });
    try {
      const page = await fetch(bare.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(await page.text()).toContain('/api/initialModel');
    } finally {
      await bare.close();
    }
  });
});

describe('browser host: the built renderer', () => {
  let dir: string;
  let server: LocalServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'renderer-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head><body></body></html>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log("app")');
    await writeFile(join(tmpdir(), 'outside-renderer.txt'), 'secret');
    server = await startLocalServer({ model: SAMPLE, rendererDir: dir });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html with a <base> that carries the token into every asset path', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<head><base href="/app/${server.token}/"><link rel="icon" href="data:,"><script type="module" src="./assets/app.js">`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const asset = await fetch(new URL('./assets/app.js', new URL(`/app/${server.token}/`, server.url)));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await asset.text()).toBe('console.log("app")');
  });

  it('refuses assets without the token in their path, and paths that leave the folder', async () => {
    expect((await rawRequest(server.port, { path: '/app/assets/app.js' })).status).toBe(401);
    expect((await rawRequest(server.port, { path: `/app/${'x'.repeat(32)}/assets/app.js` })).status).toBe(401);
    expect((await rawRequest(server.port, { path: `/assets/app.js?token=${server.token}` })).status).toBe(404);
    for (const path of ['../outside-renderer.txt', '%2e%2e/outside-renderer.txt', 'assets/../../outside-renderer.txt', '..%2foutside-renderer.txt', 'assets%5c..%5c..%5coutside-renderer.txt']) {
      const r = await rawRequest(server.port, { path: `/app/${server.token}/${path}` });
      // URL parsing may resolve `..` first (then the token segment is gone: 401); either way, no file.
      expect([401, 404], path).toContain(r.status);
      expect(r.body).not.toContain('secret');
    }
    expect((await rawRequest(server.port, { method: 'POST', path: `/app/${server.token}/assets/app.js` })).status).toBe(405);
  });
});

describe('browser host: uploads', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ model: SAMPLE, uploadLimit: 100_000 });
  });
  afterAll(() => server.close());

  const upload = (name: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(new URL(`/api/upload?name=${encodeURIComponent(name)}`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-workbench-token': server.token, ...headers },
      body,
    });

  it('opens a model uploaded as bytes (no path: it came from the browser)', async () => {
    const r = await upload('picked.onnx', await readFile(SAMPLE));
    expect(r.status).toBe(200);
    const { result } = fromJson(await r.text()) as { result: { name: string; path: string | null; modelId: string; summary: { nodeCountTotal: number } } };
    expect(result.name).toBe('picked.onnx');
    expect(result.path).toBeNull();
    expect(result.summary.nodeCountTotal).toBe(19);
  });

  it('refuses uploads over the limit, whether announced or streamed', async () => {
    const big = new Uint8Array(150_000);
    const announced = await upload('big.onnx', big);
    expect(announced.status).toBe(413);
    expect(((await announced.json()) as { error: { message: string } }).error.message).toMatch(/^upload: big\.onnx is larger than the 100,000-byte limit/);
    // Chunked: no Content-Length, so the limit is found while streaming.
    const streamed = await rawRequest(server.port, {
      method: 'POST',
      path: `/api/upload?name=big.onnx`,
      headers: { 'content-type': 'application/octet-stream', 'x-workbench-token': server.token, 'transfer-encoding': 'chunked' },
      body: big,
    }).catch((e: Error) => ({ status: 0, body: e.message }));
    // The server may close the connection while the client is still sending.
    expect([413, 0]).toContain(streamed.status);
  });

  it('names the file the user picked, not the temporary path, when the bytes are not a model', async () => {
    const r = await upload('notes.onnx', new TextEncoder().encode('these are not protobuf bytes'));
    expect(r.status).toBe(422);
    const { error } = (await r.json()) as { error: { code: string; message: string } };
    expect(error.message).toContain('notes.onnx');
    expect(error.message).not.toContain(tmpdir());
    expect(error.message).not.toContain('\n');
  });

  it('asks for a name and for raw bytes', async () => {
    const noName = await fetch(new URL('/api/upload', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-workbench-token': server.token },
      body: new Uint8Array(4),
    });
    expect(noName.status).toBe(400);
    expect((await upload('m.onnx', new Uint8Array(4), { 'content-type': 'multipart/form-data; boundary=x' })).status).toBe(415);
  });
});
