import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { createActions } from '../../renderer/app/actions.js';
import { createEditActions } from '../../renderer/edit/edit-actions.js';
import { createEditStore } from '../../renderer/edit/edit-state.js';
import { prepareGraph } from '../../renderer/graph/view-graph.js';
import { searchGraph } from '../../renderer/search/search-index.js';
import { createAppStore } from '../../renderer/state/app-state.js';
import { modelBytes } from '../../shared/builder/index.js';
import type { Backend, GraphInfo } from '../../shared/protocol/backend.js';
import { transformerModel } from '../bench/bench-view-models.js';

// The view after an edit, from the graph's changes: the edit actions against the real service on
// a builder-made 3-layer decoder. After apply, undo, redo and a jump the graph in the app's
// store is the patched one (no full read), equal to a full read, and prepared, searched and
// selected as a full read would be.

describe('edit actions patch the graph from its changes', () => {
  let dir: string;
  const service = new WorkbenchService({ settingsDir: join(tmpdir(), `edit-patch-settings-${process.pid}`) });
  const reads: string[] = [];
  // The service, with the graph reads it answers counted.
  const backend: Backend = Object.assign(Object.create(service) as Backend, {
    getGraph: (modelId: string, path: GraphInfo['path']) => {
      reads.push('getGraph');
      return service.getGraph(modelId, path);
    },
    getGraphChanges: (p: Parameters<Backend['getGraphChanges']>[0]) => {
      reads.push('getGraphChanges');
      return service.getGraphChanges(p);
    },
  });
  const app = createAppStore();
  const edit = createEditStore();
  const actions = createActions(app, backend);
  const editing = createEditActions(app, edit, backend);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edit-patch-'));
    await writeFile(join(dir, 'gpt3.onnx'), modelBytes(transformerModel({ kind: 'decoder', layers: 3, constantNodes: true })));
    await actions.openPath(join(dir, 'gpt3.onnx'));
    await editing.reset();
  });
  afterAll(async () => {
    editing.dispose();
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
    await rm(join(tmpdir(), `edit-patch-settings-${process.pid}`), { recursive: true, force: true });
  });

  /** The app's graph and prepared graph against a full read and a fresh preparation of it. */
  async function expectSameAsFullRead(): Promise<void> {
    const s = app.get();
    const full = await service.getGraph(s.model!.modelId, []);
    expect(s.graph).toEqual(full);
    const fresh = prepareGraph(full);
    expect(s.prepared!.info).toBe(s.graph);
    expect([...s.prepared!.nodeIndex]).toEqual([...fresh.nodeIndex]);
    expect([...s.prepared!.producer]).toEqual([...fresh.producer]);
    expect(s.prepared!.tree.paths).toEqual(fresh.tree.paths);
    expect(s.prepared!.inputs).toEqual(fresh.inputs);
    expect([...s.prepared!.constants]).toEqual([...fresh.constants]);
  }

  it('applies a fusion with the patch, keeping the selection of nodes that stay and the search', async () => {
    const before = app.get().graph!;
    const kept = before.nodes.find((n) => n.opType === 'MatMul')!.id;
    const fused = before.nodes.find((n) => n.opType === 'Tanh')!.id;
    actions.search('Tanh');
    expect(app.get().resultTotal).toBeGreaterThan(0);
    await editing.list();
    await editing.preview(edit.get().operations!.operations.find((o) => o.name === 'ort-fuse-gelu')!, {});
    app.set({ selection: new Set([kept, fused]) });
    reads.length = 0;
    await editing.apply();
    expect(edit.get().error).toBeNull();
    expect(reads).toEqual(['getGraphChanges']);
    await expectSameAsFullRead();
    expect(app.get().graph!.nodes.some((n) => n.opType === 'Tanh')).toBe(false);
    // The removed Tanh left the selection; the MatMul stayed. The search was run again on the new graph.
    expect([...app.get().selection]).toEqual([kept]);
    expect(app.get().resultTotal).toBe(searchGraph(app.get().prepared!, 'Tanh').total);
    expect(app.get().resultTotal).toBe(0);
  });

  it('undoes, redoes and jumps with patches too', async () => {
    for (const step of [() => editing.undo(), () => editing.redo(), () => editing.goToStep(0)]) {
      reads.length = 0;
      await step();
      expect(edit.get().error).toBeNull();
      expect(reads).toEqual(['getGraphChanges']);
      await expectSameAsFullRead();
    }
    expect(app.get().graph!.nodes.filter((n) => n.opType === 'Tanh')).toHaveLength(3);
  });

  it('reads the graph whole when the host no longer has the version shown', async () => {
    const shown = app.get().graph!;
    const h = await service.getHistory(app.get().model!.modelId);
    // Another client's reads move the host past the version this view holds.
    await service.applyOperation({ modelId: app.get().model!.modelId, name: 'ort-fuse-gelu', version: h.version, verify: false });
    await service.getGraph(app.get().model!.modelId, []);
    await service.undo({ modelId: app.get().model!.modelId });
    await service.getGraph(app.get().model!.modelId, []);
    expect(await service.getGraphChanges({ modelId: app.get().model!.modelId, path: [], from: shown.version! })).toBeNull();
    reads.length = 0;
    await editing.refresh();
    expect(reads).toEqual(['getGraphChanges', 'getGraph']);
    await expectSameAsFullRead();
  });
});
