import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { JobInfo } from '../../shared/protocol/operations-api.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';
import { nodeSocket, rawRequest } from './server-helpers.js';

// The editing rows over the browser host's HTTP transport, as the page calls them: list, preview,
// apply with its verification job (progress over the WebSocket, polled with getJob), undo, redo,
// refusals, save.

describe('operations over HTTP', () => {
  let dir: string;
  let server: LocalServer;
  let backend: HttpBackend;
  let modelId: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ops-http-'));
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    server = await startLocalServer({ model: file });
    backend = new HttpBackend({ origin: new URL(server.url).origin, token: server.token, openSocket: nodeSocket });
    modelId = (await backend.initialModel())!.modelId;
    for (const n of (await backend.getGraph(modelId, [])).nodes) ids[n.name] = n.id;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function settled(jobId: string): Promise<JobInfo> {
    for (;;) {
      const job = await backend.getJob(jobId);
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('lists, previews, applies with verification, undoes and redoes', async () => {
    const events: ProgressEvent[] = [];
    const stop = backend.onProgress((e) => events.push(e));
    const list = await backend.listOperations({ modelId, selection: [ids.conv!, ids.bn!] });
    const fusion = list.operations.find((o) => o.name === 'fuse-conv-batchnorm')!;
    expect(fusion).toMatchObject({ group: 'fusion', target: 'portable', matches: 1, nodes: [ids.conv, ids.bn], nodesBefore: 3, nodesAfter: 2 });
    expect(fusion.optionsSchema).toMatchObject({ type: 'object' });
    expect((await backend.listOperations({ modelId, selection: [ids.relu!] })).operations.map((o) => o.name)).not.toContain('fuse-conv-batchnorm');

    const preview = await backend.previewOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.conv!, ids.bn!], version: list.version });
    expect(preview).toMatchObject({ removed: [ids.conv, ids.bn], addedCount: 1, nodesAfter: 2 });
    expect((await backend.getGraph(modelId, [])).nodes).toHaveLength(3);

    const applied = await backend.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.conv!, ids.bn!], version: preview.version });
    expect(applied.diff.removed).toEqual([ids.conv, ids.bn]);
    const graph = await backend.getGraph(modelId, []);
    expect(graph.nodes.map((n) => n.id).sort((a, b) => a - b)).toEqual([ids.relu, ...applied.diff.added]);
    const jobId = applied.step!.verification.jobId!;
    expect(await settled(jobId)).toMatchObject({ state: 'done', kind: 'verify' });
    const step = (await backend.getHistory(modelId)).steps[0]!;
    expect(step.verification.state).toBe('passed');
    expect(step.verification.cosine).toBeGreaterThan(0.99999);
    // The job's progress came over the event socket.
    await expect.poll(() => events.filter((e) => e.jobId === jobId && e.done === e.total).length).toBeGreaterThan(0);
    stop();

    const undone = await backend.undo({ modelId, version: applied.version });
    expect(undone.diff.added).toEqual([ids.conv, ids.bn]);
    expect((await backend.getGraph(modelId, [])).nodes).toHaveLength(3);
    const redone = await backend.redo({ modelId, version: undone.version });
    expect(redone.diff.added).toEqual(applied.diff.added);
    expect((await backend.getGraph(modelId, [])).nodes).toHaveLength(2);

    await expect(backend.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: applied.version })).rejects.toMatchObject({ code: 'STALE_VERSION' });
    await expect(backend.previewOperation({ modelId, name: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_OPERATION' });
    await expect(backend.applyOperation({ modelId, name: 'preset:cleanup', options: { level: 3 }, version: redone.version })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(backend.cancelJob('verify-999')).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });

    const out = join(dir, 'fused.onnx');
    expect(await backend.saveModel({ modelId, path: out })).toMatchObject({ path: out, nodeCount: 2 });
    expect((await openModel(out)).ir.graph.nodeCount).toBe(2);
    expect((await backend.getHistory(modelId)).state).toBe(1);
  });

  it('refuses malformed parameters before the service sees them', async () => {
    const call = (method: string, body: unknown) =>
      rawRequest(Number(new URL(server.url).port), {
        method: 'POST',
        path: `/api/${method}`,
        headers: { 'content-type': 'application/json', 'x-workbench-token': server.token },
        body: JSON.stringify(body),
      }).then((r) => JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } });
    const bad = await call('applyOperation', { modelId, name: 'fuse-conv-batchnorm', selection: ['conv'], version: 0 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/selection\.0/) } });
    const noVersion = await call('applyOperation', { modelId, name: 'fuse-conv-batchnorm' });
    expect(noVersion).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/version/) } });
    expect((await backend.getHistory(modelId)).state).toBe(1);
  });
});
