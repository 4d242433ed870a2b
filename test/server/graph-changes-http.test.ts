import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import { modelBytes } from '../../shared/builder/index.js';
import { applyGraphChanges } from '../../shared/protocol/graph-changes.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { nodeSocket, rawRequest } from './server-helpers.js';

// getGraphChanges over the browser host's HTTP transport, as the page calls it after an edit:
// the answer passes the table's checks on arrival and patches the held graph into a full read;
// a bad request is refused with a clear error.

describe('graph changes over HTTP', () => {
  let dir: string;
  let server: LocalServer;
  let backend: HttpBackend;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'changes-http-'));
    const file = join(dir, 'gpt2.onnx');
    await writeFile(file, modelBytes(transformerModel({ kind: 'decoder', layers: 2, constantNodes: true })));
    server = await startLocalServer({ model: file });
    backend = new HttpBackend({ origin: new URL(server.url).origin, token: server.token, openSocket: nodeSocket });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('patches the graph after a fusion and its undo into what a full read gives', async () => {
    const modelId = (await backend.initialModel())!.modelId;
    const opened = await backend.getGraph(modelId, []);
    expect(typeof opened.version).toBe('number');
    await backend.applyOperation({ modelId, name: 'ort-fuse-gelu', version: opened.version!, verify: false });
    const changes = await backend.getGraphChanges({ modelId, path: [], from: opened.version! });
    expect(changes!.nodes.removed.length).toBeGreaterThan(0);
    const fused = applyGraphChanges(opened, changes!);
    expect(fused).toEqual(await backend.getGraph(modelId, []));
    await backend.undo({ modelId });
    const undone = applyGraphChanges(fused, (await backend.getGraphChanges({ modelId, path: [], from: fused.version! }))!);
    expect(undone).toEqual(await backend.getGraph(modelId, []));
    expect(undone.nodes).toEqual(opened.nodes);
  });

  it('refuses a request without the version it starts from, naming the field', async () => {
    const modelId = (await backend.initialModel())!.modelId;
    const r = await rawRequest(Number(new URL(server.url).port), {
      method: 'POST',
      path: '/api/getGraphChanges',
      headers: { 'content-type': 'application/json', 'x-workbench-token': server.token },
      body: JSON.stringify({ modelId, path: [] }),
    });
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/from/) } });
  });
});
