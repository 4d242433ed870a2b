import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';
import { nodeSocket } from './server-helpers.js';

// Save As and recovery over the browser host's HTTP transport: the suggested path, the refusal
// to overwrite without asking, the saved file, and a recovery copy that a second server over the
// same settings folder offers and restores.

describe('save as and recovery over HTTP', () => {
  let dir: string;
  let file: string;
  const servers: LocalServer[] = [];
  const start = async (settingsDir: string) => {
    const server = await startLocalServer({ model: file, settingsDir });
    servers.push(server);
    return { server, backend: new HttpBackend({ origin: new URL(server.url).origin, token: server.token, openSocket: nodeSocket }) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recovery-http-'));
    file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a step, reports it unsaved, saves as the suggested path (asking before overwriting) and is clean', async () => {
    const { backend } = await start(join(dir, 'settings-1'));
    const { modelId } = (await backend.initialModel())!;
    const nodes = (await backend.getGraph(modelId, [])).nodes;
    const sel = nodes.filter((n) => n.name !== 'relu').map((n) => n.id);
    await backend.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: sel, version: (await backend.getHistory(modelId)).version, verify: false });
    expect((await backend.getDocumentState(modelId)).unsaved).toBe(true);
    const target = await backend.chooseSavePath(modelId);
    expect(target).toMatchObject({ native: false, path: join(dir, 'conv-bn-relu.optimized.onnx') });
    await expect(backend.saveModel({ modelId, path: file })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    const saved = await backend.saveModel({ modelId, path: target.path! });
    expect(saved).toMatchObject({ path: target.path, nodeCount: 2 });
    expect((await openModel(target.path!)).ir.graph.nodeCount).toBe(2);
    await expect(backend.saveModel({ modelId, path: target.path! })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect((await backend.saveModel({ modelId, path: target.path!, overwrite: true })).nodeCount).toBe(2);
    expect(await backend.getDocumentState(modelId)).toMatchObject({ unsaved: false, savedPath: target.path, recovery: { state: 'none' } });

    // The browser host's download: the current state's bytes, a model file with 2 nodes.
    const dl = await backend.downloadModel(modelId);
    expect(dl.name).toBe('conv-bn-relu.optimized.onnx');
    const dlFile = join(dir, 'downloaded.onnx');
    await writeFile(dlFile, dl.bytes);
    expect((await openModel(dlFile)).ir.graph.nodeCount).toBe(2);
    await expect(backend.downloadModel('nope')).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });

  it('a second server over the same settings folder offers the first one`s unsaved step and restores it', async () => {
    const settings = join(dir, 'settings-2');
    const first = await start(settings);
    const { modelId } = (await first.backend.initialModel())!;
    const nodes = (await first.backend.getGraph(modelId, [])).nodes;
    await first.backend.applyOperation({ modelId, name: 'delete-node', options: { node: 'relu' }, version: 0, verify: false });
    for (let i = 0; i < 100 && (await first.backend.getDocumentState(modelId)).recovery.state !== 'written'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await first.backend.getDocumentState(modelId)).recovery.state).toBe('written');
    expect(nodes).toHaveLength(3);

    const second = await start(settings);
    const list = await second.backend.listRecoveries();
    expect(list).toMatchObject([{ name: 'conv-bn-relu.onnx', originalPath: file, labels: ['delete-node'] }]);
    const restored = await second.backend.restoreRecovery(list[0]!.id);
    expect((await second.backend.getGraph(restored.modelId, [])).nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization']);
    expect((await second.backend.getDocumentState(restored.modelId)).unsaved).toBe(true);
    await expect(second.backend.restoreRecovery('no-such-entry')).rejects.toMatchObject({ code: 'UNKNOWN_RECOVERY' });
    await expect(second.backend.discardRecovery('../x')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
