import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { writeConvBnRelu } from './conv-bn-model.js';

// Unsaved steps and recovery copies in the service, on the builder-made Conv + BN + Relu model:
// the copy written after a step (off the request), restored by a new service over the same
// settings folder as if the first had been killed, removed after a save or a discard.

describe('unsaved work and recovery copies', () => {
  let dir: string;
  let file: string;
  const services: WorkbenchService[] = [];
  const make = (settings: string) => {
    const s = new WorkbenchService({ settingsDir: settings, recovery: { delayMs: 20 } });
    services.push(s);
    return s;
  };
  const recoveryFiles = async (settings: string) => (await readdir(join(settings, 'recovery')).catch(() => [] as string[])).sort();
  const fuse = async (s: WorkbenchService, modelId: string) => {
    const g = await s.getGraph(modelId, []);
    const sel = g.nodes.filter((n) => n.name === 'conv' || n.name === 'bn').map((n) => n.id);
    const { version } = await s.getHistory(modelId);
    return s.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: sel, version, verify: false });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recovery-'));
    file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
  });
  afterAll(async () => {
    for (const s of services) await s.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('tracks unsaved steps: apply makes the document unsaved, undo back to the opened state makes it clean, save makes it clean', async () => {
    const s = make(join(dir, 'settings-a'));
    const { modelId } = await s.openPath(file);
    expect((await s.getDocumentState(modelId)).unsaved).toBe(false);
    await fuse(s, modelId);
    expect((await s.getDocumentState(modelId)).unsaved).toBe(true);
    await s.undo({ modelId });
    expect((await s.getDocumentState(modelId)).unsaved).toBe(false);
    await s.redo({ modelId });
    expect((await s.getDocumentState(modelId)).unsaved).toBe(true);
    const out = join(dir, 'a.optimized.onnx');
    const saved = await s.saveModel({ modelId, path: out });
    expect(saved.nodeCount).toBe(2);
    expect(await s.getDocumentState(modelId)).toMatchObject({ unsaved: false, savedPath: out });
    // Undoing past the save is a change again.
    await s.undo({ modelId });
    expect((await s.getDocumentState(modelId)).unsaved).toBe(true);
  });

  it('suggests <name>.optimized.onnx beside the original and refuses to overwrite without asking', async () => {
    const s = make(join(dir, 'settings-b'));
    const { modelId } = await s.openPath(file);
    const target = await s.chooseSavePath(modelId);
    expect(target).toEqual({ native: false, path: join(dir, 'conv-bn-relu.optimized.onnx'), suggestExternalData: false });
    await expect(s.saveModel({ modelId, path: file })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect((await stat(file)).size).toBeGreaterThan(0);
  });

  it('writes external data when asked', async () => {
    const s = make(join(dir, 'settings-c'));
    const { modelId } = await s.openPath(file);
    const out = join(dir, 'external.onnx');
    await s.saveModel({ modelId, path: out, externalData: 64 });
    const names = await readdir(dir);
    expect(names).toContain('external.onnx.data');
    // W (4·3·3·3 floats = 432 bytes) moved out; the reopened model reads it back.
    const reopened = await openModel(out);
    expect(reopened.external.list.length).toBe(1);
    expect(reopened.ir.graph.nodeCount).toBe(3);
  });

  it('writes a recovery copy after a step that a new service over the same settings folder restores', async () => {
    const settings = join(dir, 'settings-d');
    const first = make(settings);
    const { modelId } = await first.openPath(file);
    expect(await first.listRecoveries()).toEqual([]);
    const t0 = performance.now();
    await fuse(first, modelId);
    const applyMs = performance.now() - t0;
    // The copy is written after the answer, not before it.
    expect((await first.getDocumentState(modelId)).recovery.state).toBe('pending');
    await first.flushRecovery();
    const state = await first.getDocumentState(modelId);
    expect(state.recovery).toMatchObject({ state: 'written', id: modelId });
    // The live document's own copy is not offered as left over.
    expect(await first.listRecoveries()).toEqual([]);
    expect((await recoveryFiles(settings)).filter((n) => n.endsWith('.onnx'))).toHaveLength(1);
    expect(applyMs).toBeLessThan(5000);

    // A second host over the same folder (the first was killed: no close, no save).
    const second = make(settings);
    const list = await second.listRecoveries();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: modelId, name: 'conv-bn-relu.onnx', originalPath: file, labels: ['fuse-conv-batchnorm (2 selected nodes)'] });
    const restored = await second.restoreRecovery(list[0]!.id);
    expect(restored).toMatchObject({ name: 'conv-bn-relu.onnx', path: file });
    const g = await second.getGraph(restored.modelId, []);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu']);
    expect((await second.getDocumentState(restored.modelId)).unsaved).toBe(true);

    // Another step on the restored document updates the same entry, keeping its source file.
    await second.applyOperation({ modelId: restored.modelId, name: 'delete-node', options: { node: 'relu' }, version: (await second.getHistory(restored.modelId)).version, verify: false });
    await second.flushRecovery();
    expect((await second.listRecoveries())).toEqual([]);
    const again = await make(settings).listRecoveries();
    expect(again[0]!.labels).toEqual(['fuse-conv-batchnorm (2 selected nodes)', 'delete-node']);

    // Saving removes the entry (and every copy but the file the open document still reads).
    const out = join(dir, 'restored.onnx');
    expect((await second.saveModel({ modelId: restored.modelId, path: out })).nodeCount).toBe(1);
    expect((await openModel(out)).ir.graph.nodeCount).toBe(1);
    expect((await second.getDocumentState(restored.modelId)).recovery.state).toBe('none');
    expect((await recoveryFiles(settings)).filter((n) => n.endsWith('.json'))).toEqual([]);
    expect(await make(settings).listRecoveries()).toEqual([]);
  });

  it('discards a copy the user does not want, and removes the copy when undone back to the saved state', async () => {
    const settings = join(dir, 'settings-e');
    const first = make(settings);
    const { modelId } = await first.openPath(file);
    await fuse(first, modelId);
    await first.flushRecovery();
    await first.undo({ modelId });
    await first.flushRecovery();
    expect(await recoveryFiles(settings)).toEqual([]);
    await first.redo({ modelId });
    await first.flushRecovery();
    const second = make(settings);
    const [entry] = await second.listRecoveries();
    expect(entry).toBeDefined();
    expect(await second.discardRecovery(entry!.id)).toEqual([]);
    expect(await recoveryFiles(settings)).toEqual([]);
    await expect(second.restoreRecovery(entry!.id)).rejects.toMatchObject({ code: 'UNKNOWN_RECOVERY' });
  });

  it('skips the copy of a model over the size limit and says so', async () => {
    const settings = join(dir, 'settings-f');
    const s = new WorkbenchService({ settingsDir: settings, recovery: { delayMs: 0, maxBytes: 100 } });
    services.push(s);
    const { modelId } = await s.openPath(file);
    await fuse(s, modelId);
    await s.flushRecovery();
    expect((await s.getDocumentState(modelId)).recovery).toMatchObject({ state: 'skipped', message: expect.stringMatching(/over 0 MiB; save your work/) });
    expect(await recoveryFiles(settings)).toEqual([]);
  });

  it('an evicted document with unsaved steps keeps its copy; closing with discard removes it', async () => {
    const settings = join(dir, 'settings-g');
    const s = make(settings);
    const a = await s.openPath(file);
    await fuse(s, a.modelId);
    await s.closeModel(a.modelId);
    expect((await s.listRecoveries()).map((r) => r.id)).toEqual([a.modelId]);
    const b = await s.openPath(file);
    await fuse(s, b.modelId);
    await s.flushRecovery();
    await s.closeModel(b.modelId, true);
    expect((await s.listRecoveries()).map((r) => r.id)).toEqual([a.modelId]);
  });

  it('a document evicted beyond the open-documents limit leaves its unsaved steps as a recovery copy', async () => {
    const settings = join(dir, 'settings-h');
    const s = new WorkbenchService({ settingsDir: settings, maxDocuments: 1, recovery: { delayMs: 1000 } });
    services.push(s);
    const a = await s.openPath(file);
    await fuse(s, a.modelId);
    await s.openPath(file); // evicts a before its copy's delay is over
    expect(s.isOpen(a.modelId)).toBe(false);
    await expect.poll(async () => (await s.listRecoveries()).map((r) => r.labels), { timeout: 3000 }).toEqual([['fuse-conv-batchnorm (2 selected nodes)']]);
  });
});
