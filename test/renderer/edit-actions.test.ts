import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { createActions } from '../../renderer/app/actions.js';
import { placeAfterEdit } from '../../renderer/edit/apply-diff.js';
import { createEditActions } from '../../renderer/edit/edit-actions.js';
import { createEditStore } from '../../renderer/edit/edit-state.js';
import { highlightsOf, withPreview } from '../../renderer/graph/highlights.js';
import { buildViewGraph, prepareGraph } from '../../renderer/graph/view-graph.js';
import { createAppStore } from '../../renderer/state/app-state.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';

// The editing actions against the real workbench service on the Conv+BN+Relu model built by the
// builder: list for a selection, preview, apply (the graph re-read, the user's place kept),
// verification reaching the history, undo/redo/goToStep, a stale request refused with nothing changed.

const until = async (check: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('edit actions', () => {
  let dir: string;
  const settings = join(tmpdir(), `edit-actions-settings-${process.pid}`);
  const service = new WorkbenchService({ operations: defaultOperations(), settingsDir: settings });
  const app = createAppStore();
  const edit = createEditStore();
  const marks: string[] = [];
  const actions = createActions(app, service, (m) => marks.push(m));
  const editing = createEditActions(app, edit, service, (m) => marks.push(m));
  service.onProgress((e) => editing.progress(e));
  const id = (name: string) => app.get().graph!.nodes.find((n) => n.name === name)!.id;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edit-actions-'));
    await writeConvBnRelu(join(dir, 'cbr.onnx'));
    await actions.openPath(join(dir, 'cbr.onnx'));
    await editing.reset();
  });
  afterAll(async () => {
    editing.dispose();
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
    await rm(settings, { recursive: true, force: true });
  });

  it('lists for the whole graph, then for the selection of the Conv and its BN', async () => {
    expect(edit.get().history).toMatchObject({ state: 0, steps: [] });
    expect(edit.get().operations?.selection).toBeNull();
    expect(edit.get().operations?.operations.map((o) => o.name)).toContain('fuse-conv-batchnorm');
    actions.activate(`n:${id('conv')}`, 'replace');
    actions.activate(`n:${id('bn')}`, 'add');
    await editing.list();
    const list = edit.get().operations!;
    expect(list.selection).toEqual([id('conv'), id('bn')].sort((a, b) => a - b));
    expect(list.operations.find((o) => o.name === 'fuse-conv-batchnorm')).toMatchObject({ group: 'fusion', matches: 1, nodesBefore: 3, nodesAfter: 2 });
  });

  it('previews: marks the nodes, changes nothing; cancel forgets it', async () => {
    const op = edit.get().operations!.operations.find((o) => o.name === 'fuse-conv-batchnorm')!;
    await editing.preview(op, {});
    const p = edit.get().preview!;
    expect([...p.nodes].sort()).toEqual([id('conv'), id('bn')].sort());
    expect(p.result).toMatchObject({ nodesBefore: 3, nodesAfter: 2, addedCount: 1 });
    expect(app.get().graph!.nodes).toHaveLength(3);
    editing.cancelPreview();
    expect(edit.get().preview).toBeNull();
    await editing.preview(op, {});
  });

  it('applies: the graph is re-read, the selection drops removed nodes, verification passes', async () => {
    const reveal = app.get().reveal;
    const relu = id('relu');
    await editing.apply();
    const s = app.get();
    expect(edit.get().error).toBeNull();
    expect(s.graph!.nodes.map((n) => n.opType).sort()).toEqual(['Conv', 'Relu']);
    expect(s.prepared!.info).toBe(s.graph);
    expect(edit.get().editedGraph).toBe(s.prepared);
    expect(s.selection.size).toBe(0);
    expect(s.graph!.nodes.some((n) => n.id === relu)).toBe(true);
    // The view is not sent anywhere: no reveal, the model is the one opened.
    expect(s.reveal).toBe(reveal);
    expect(edit.get().preview).toBeNull();
    const step = edit.get().history!.steps[0]!;
    expect(step).toMatchObject({ index: 1, nodesBefore: 3, nodesAfter: 2 });
    await until(() => edit.get().history!.steps[0]!.verification.state !== 'running');
    const v = edit.get().history!.steps[0]!.verification;
    expect(v.state).toBe('passed');
    expect(v.cosine).toBeGreaterThan(0.99999);
    expect(edit.get().jobs.get(v.jobId!)?.done).toBeGreaterThan(0);
    expect(marks).toContain('wb:edit-prepared');
  });

  it('undo, redo and goToStep move the graph; a stale request shows its error and changes nothing', async () => {
    await editing.undo();
    expect(app.get().graph!.nodes).toHaveLength(3);
    expect(edit.get().history!.state).toBe(0);
    // Listed at the undone state, then redone elsewhere: the old listing's version is stale.
    await editing.list();
    const op = edit.get().operations!.operations.find((o) => o.name === 'fuse-conv-batchnorm')!;
    await editing.preview(op, {});
    const stalePreview = edit.get().preview!;
    await editing.redo();
    expect(app.get().graph!.nodes).toHaveLength(2);
    const history = edit.get().history!;
    edit.set({ preview: stalePreview });
    await editing.apply();
    expect(edit.get().error).toMatch(/version/i);
    expect(edit.get().history).toBe(history);
    expect(app.get().graph!.nodes).toHaveLength(2);
    await editing.goToStep(0);
    expect(app.get().graph!.nodes).toHaveLength(3);
    expect(edit.get().error).toBeNull();
  });

  it('the context menu lists what applies to one node, delete-node among them', async () => {
    await editing.openMenu(id('relu'), 10, 20);
    const menu = edit.get().menu!;
    expect(menu).toMatchObject({ x: 10, y: 20, nodeId: id('relu') });
    const del = menu.operations!.find((o) => o.name === 'delete-node')!;
    expect(del.options).toEqual({ node: String(id('relu')) });
    await editing.preview(del, del.options!, [id('relu')]);
    expect(edit.get().menu).toBeNull();
    await editing.apply();
    expect(app.get().graph!.nodes.map((n) => n.opType).sort()).toEqual(['BatchNormalization', 'Conv']);
  });
});

describe('the place carried across an edit', () => {
  const graph = (ids: number[], names: string[]) =>
    prepareGraph({
      name: 'g',
      path: [],
      nodes: ids.map((id, i) => ({ id, name: names[i]!, opType: 'Relu', domain: '', inputs: [], outputs: [], attributes: {}, subgraphs: [] })),
      inputs: [],
      outputs: [],
      initializers: [],
      values: [],
    });

  it('keeps expanded scopes that remain, expands new ones, drops removed nodes from the selection and focus', () => {
    const before = graph([1, 2, 3], ['/a/x', '/a/y', '/b/z']);
    const after = graph([1, 4], ['/a/x', '/c/w']);
    const place = placeAfterEdit({ expanded: new Set(['/a', '/b']), selection: new Set([1, 2]), focus: 'n:2' }, before, after, { added: [4], removed: [2, 3], changed: [], graphChanged: false });
    expect([...place.expanded].sort()).toEqual(['/a', '/c']);
    expect([...place.selection]).toEqual([1]);
    expect(place.focus).toBeNull();
    const kept = placeAfterEdit({ expanded: new Set(), selection: new Set(), focus: 's:/a' }, before, after, { added: [], removed: [], changed: [], graphChanged: false });
    expect(kept.focus).toBe('s:/a');
  });

  it('marks the boxes a preview would change: the node box, or the collapsed scope hiding it', () => {
    const g = graph([1, 2, 3, 5], ['/a/x', '/a/y', '/b/z', '/b/q']);
    const open = buildViewGraph(g, new Set(['/a', '/b']));
    const plain = highlightsOf(open, new Set(), new Set(), null);
    expect(withPreview(open, plain, null)).toBe(plain);
    const marked = withPreview(open, plain, new Set([2]));
    expect([...marked.preview!].map((f, i) => (f ? open.items[i]!.key : null)).filter(Boolean)).toEqual(['n:2']);
    const collapsed = buildViewGraph(g, new Set());
    const scoped = withPreview(collapsed, highlightsOf(collapsed, new Set(), new Set(), null), new Set([3]));
    expect([...scoped.preview!].map((f, i) => (f ? collapsed.items[i]!.key : null)).filter(Boolean)).toEqual(['s:/b']);
  });
});
