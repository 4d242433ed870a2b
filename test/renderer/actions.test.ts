import { afterAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { createActions } from '../../renderer/app/actions.js';
import { createAppStore } from '../../renderer/state/app-state.js';
import { FUNCTION_BODY } from '../../shared/protocol/backend.js';
import { functionModelBytes, scopedModelBytes } from './test-models.js';

// The app's actions against the real workbench service (the Backend the hosts wrap), on a model
// built in the test: what the store holds after opening, selecting, searching, collapsing and
// moving between graphs.

describe('app actions', () => {
  const service = new WorkbenchService();
  afterAll(() => service.dispose());
  const store = createAppStore();
  const marks: string[] = [];
  const actions = createActions(store, service, (m) => marks.push(m));
  const bytes = scopedModelBytes();
  const file = { name: 'scoped.onnx', arrayBuffer: async () => bytes.slice().buffer };
  const id = (name: string) => store.get().graph!.nodes.find((n) => n.name === name)!.id;

  it('opens a picked file and shows its main graph with every scope expanded', async () => {
    await actions.openFile(file);
    const s = store.get();
    expect(s.error).toBeNull();
    expect(s.busy).toBeNull();
    expect(s.model?.name).toBe('scoped.onnx');
    expect(s.graph?.nodes).toHaveLength(8);
    expect(s.crumbs).toEqual([{ label: 'scoped', path: [] }]);
    expect([...s.expanded].sort()).toEqual(['/enc', '/enc/block.0', '/head']);
    expect(marks).toEqual(['wb:model-opened', 'wb:graph-received']);
  });

  it('selects by click, shift-click, ctrl-click and rubber band, scopes as all their nodes', () => {
    actions.activate(`n:${id('/enc/Conv')}`, 'replace');
    expect([...store.get().selection]).toEqual([id('/enc/Conv')]);
    expect(store.get().focus).toBe(`n:${id('/enc/Conv')}`);
    actions.activate('s:/enc/block.0', 'add');
    expect([...store.get().selection].sort()).toEqual([id('/enc/Conv'), id('/enc/block.0/Conv'), id('/enc/block.0/Relu')].sort());
    actions.activate(`n:${id('/enc/Conv')}`, 'toggle');
    expect(store.get().selection.has(id('/enc/Conv'))).toBe(false);
    actions.selectKeys([`n:${id('/enc/Add')}`, 'i:x'], 'replace');
    expect([...store.get().selection]).toEqual([id('/enc/Add')]);
    actions.clearSelection();
    expect(store.get().selection.size).toBe(0);
  });

  it('searches, and jumping to a match expands the scopes hiding it', () => {
    actions.search('relu');
    expect(store.get().resultTotal).toBe(2);
    expect(store.get().matches).toEqual(new Set([`n:${id('/enc/Relu')}`, `n:${id('/enc/block.0/Relu')}`]));
    actions.collapseAll();
    expect(store.get().expanded.size).toBe(0);
    const reveal = store.get().reveal;
    actions.jump(`n:${id('/enc/block.0/Relu')}`);
    const s = store.get();
    expect([...s.expanded].sort()).toEqual(['/enc', '/enc/block.0']);
    expect(s.focus).toBe(`n:${id('/enc/block.0/Relu')}`);
    expect([...s.selection]).toEqual([id('/enc/block.0/Relu')]);
    expect(s.reveal).toBe(reveal + 1);
  });

  it('collapses and expands a scope, keeping the focus on it', () => {
    actions.toggleScope('/enc');
    expect(store.get().expanded.has('/enc')).toBe(false);
    expect(store.get().expanded.has('/enc/block.0')).toBe(false);
    expect(store.get().focus).toBe('s:/enc');
    actions.toggleScope('/enc');
    expect(store.get().expanded.has('/enc')).toBe(true);
    expect(store.get().focus).toBe(`n:${id('/enc/Conv')}`);
    // Collapsing /enc collapsed the scopes inside it too.
    expect(store.get().expanded.has('/enc/block.0')).toBe(false);
    actions.expandAll();
    expect(store.get().expanded.has('/enc/block.0')).toBe(true);
    actions.collapseAround(`n:${id('/enc/block.0/Relu')}`);
    expect(store.get().expanded.has('/enc/block.0')).toBe(false);
    expect(store.get().expanded.has('/enc')).toBe(true);
    expect(store.get().focus).toBe('s:/enc/block.0');
    actions.expandAll();
  });

  it('enters an If branch with Enter and goes back up to the If', async () => {
    const ifId = id('/head/If');
    await actions.open(`n:${ifId}`);
    let s = store.get();
    expect(s.crumbs.map((c) => c.label)).toEqual(['scoped', '/head/If › then_branch']);
    expect(s.crumbs[1].path).toEqual([{ nodeId: ifId, attribute: 'then_branch' }]);
    expect(s.graph?.name).toBe('then_branch');
    expect(s.graph?.nodes.map((n) => n.name)).toEqual(['head/Softmax']);
    expect(s.prepared?.inputs).toEqual([{ name: 'flat', outer: true }]);
    await actions.back();
    s = store.get();
    expect(s.crumbs).toHaveLength(1);
    expect(s.graph?.name).toBe('scoped');
    expect(s.focus).toBe(`n:${ifId}`);
    await actions.openSubgraph(s.graph!.nodes.find((n) => n.id === ifId)!, 'else_branch');
    expect(store.get().graph?.nodes.map((n) => n.opType)).toEqual(['Identity']);
    await actions.goTo(0);
    expect(store.get().crumbs).toHaveLength(1);
  });

  it('reports a file that is not a model in one line and keeps the model it had', async () => {
    await actions.openFile({ name: 'broken.onnx', arrayBuffer: async () => new Uint8Array([1, 2, 3, 4]).buffer });
    const s = store.get();
    expect(s.error).toMatch(/broken\.onnx/);
    expect(s.error).not.toContain('\n');
    expect(s.busy).toBeNull();
    expect(s.graph?.name).toBe('scoped');
  });

  it("enters the body of a local function a node calls, and a function that body calls", async () => {
    const bytes = functionModelBytes();
    await actions.openFile({ name: 'calls.onnx', arrayBuffer: async () => bytes.slice().buffer });
    const act = store.get().graph!.nodes.find((n) => n.name === 'act')!;
    expect(act.subgraphs).toEqual([{ attribute: FUNCTION_BODY, name: 'ScaledGelu', nodeCount: 2 }]);
    expect(store.get().graph!.nodes.find((n) => n.name === 'relu')!.subgraphs).toEqual([]);
    await actions.openSubgraph(act, FUNCTION_BODY);
    let s = store.get();
    expect(s.error).toBeNull();
    expect(s.crumbs.map((c) => c.label)).toEqual(['calls', 'act › function ScaledGelu']);
    expect(s.graph?.name).toBe('ScaledGelu');
    expect([s.graph?.inputs, s.graph?.outputs]).toEqual([['a'], ['b']]);
    expect(s.graph?.nodes.map((n) => n.name)).toEqual(['erf', 'half']);
    // Types inside the body come from the call: x is float[2].
    expect(s.graph?.values.find((v) => v.name === 'e')).toEqual({ name: 'e', elemType: 'float', shape: [2], source: 'inferred' });
    const half = s.graph!.nodes.find((n) => n.name === 'half')!;
    await actions.openSubgraph(half, FUNCTION_BODY);
    s = store.get();
    expect(s.crumbs.map((c) => c.label)).toEqual(['calls', 'act › function ScaledGelu', 'half › function HalfOf']);
    expect(s.graph?.nodes.map((n) => n.opType)).toEqual(['Constant', 'Mul']);
    expect(s.graph?.values.find((v) => v.name === 'h')).toMatchObject({ elemType: 'float', shape: [2] });
    const constant = await service.getTensor(s.model!.modelId, s.crumbs[2].path, 'half');
    expect(constant.first).toEqual([0.5]);
    await actions.goTo(0);
    expect(store.get().focus).toBe(`n:${act.id}`);
    const relu = store.get().graph!.nodes.find((n) => n.name === 'relu')!;
    await expect(service.getGraph(store.get().model!.modelId, [{ nodeId: relu.id, attribute: FUNCTION_BODY }])).rejects.toThrow(
      `calls.onnx: no subgraph #${relu.id}.(function) (node "relu" (Relu) calls no local function)`,
    );
  });
});
