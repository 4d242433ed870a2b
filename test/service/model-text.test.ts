import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { FUNCTION_BODY } from '../../shared/protocol/backend.js';
import { functionModelBytes } from '../renderer/test-models.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// The model as text through the service: printed with node lines, applied back as one undoable
// step (the whole model, a selection, an If branch), refused with positioned problems (and the
// model unchanged) when it does not parse or check.

describe('model text in the service', () => {
  const m = useOpenedModel('text-', async (dir) => {
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    return file;
  });
  const ir = () => m.service.document(m.modelId).model.ir;

  it('prints the model with the lines of each node, and a selection alone', async () => {
    const t = await m.service.getModelText({ modelId: m.modelId });
    expect(t.editable).toBe(true);
    const conv = [...ir().graph.nodes].find((n) => n.name === 'conv')!;
    const span = t.spans.find((s) => s.id === conv.id)!;
    expect(t.text.split('\n')[span.startLine - 1]).toMatch(/\[conv\] c = Conv <kernel_shape: ints = \[3, 3\]/);
    const sel = await m.service.getModelText({ modelId: m.modelId, nodes: [conv.id] });
    expect(sel.editable).toBe(true);
    expect(sel.text.trim().split('\n')).toHaveLength(1);
  });

  it('applies the text of a selection in place as one step, and refuses one whose shapes do not fit', async () => {
    const relu = [...ir().graph.nodes].find((n) => n.name === 'relu')!;
    const sel = await m.service.getModelText({ modelId: m.modelId, nodes: [relu.id] });
    expect(sel.text).toBe('[relu] y = Relu (b)\n');
    const r = await m.service.applyModelText({ modelId: m.modelId, text: '[relu] y = Elu <alpha: float = 0.5> (b)\n', nodes: [relu.id], version: sel.version });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.edit.diff.removed).toEqual([relu.id]);
    expect([...ir().graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Elu']);
    // The Conv's output is float[1,4,8,8]; W is float[4,3,3,3]: they do not broadcast.
    const conv = [...ir().graph.nodes].find((n) => n.name === 'conv')!;
    const bad = await m.service.applyModelText({ modelId: m.modelId, text: '[conv] c = Add (x, W)\n', nodes: [conv.id] });
    expect(bad.ok ? undefined : bad.errors[0]).toMatchObject({ line: 1, column: 20, message: expect.stringMatching(/"conv" \(Add\): input "W" float\[4,3,3,3\] does not broadcast with "x" float\[1,3,8,8\]/) });
    await m.service.undo({ modelId: m.modelId });
    expect([...ir().graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
  });

  it('applies an attribute edit as one step that undo reverts; doc strings not in the text stay', async () => {
    const bn = [...ir().graph.nodes].find((n) => n.name === 'bn')!;
    bn.proto.docString = 'kept from the file';
    const before = (await m.service.getModelText({ modelId: m.modelId })).text;
    const edited = before.replace('epsilon: float = 0.00001', 'epsilon: float = 0.001');
    expect(edited).not.toBe(before);
    const r = await m.service.applyModelText({ modelId: m.modelId, text: edited });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.edit.steps).toHaveLength(1);
    expect(r.edit.diff.changed).toEqual([bn.id]);
    await expect(m.service.historyRecipe(m.modelId)).rejects.toMatchObject({ code: 'NOT_A_RECIPE', message: expect.stringMatching(/step 1 is an edit of the model's text/) });
    const after = [...ir().graph.nodes].find((n) => n.name === 'bn')!;
    expect(after.attribute('epsilon')!.f).toBeCloseTo(0.001, 6);
    expect(after.proto.docString).toBe('kept from the file');
    await m.service.undo({ modelId: m.modelId });
    expect([...ir().graph.nodes].find((n) => n.name === 'bn')!.attribute('epsilon')!.f).toBeCloseTo(1e-5, 9);
    expect((await m.service.getModelText({ modelId: m.modelId })).text).toBe(before);
  });

  it('refuses a syntax error at its line and column, and an undefined name at its node, changing nothing', async () => {
    const before = (await m.service.getModelText({ modelId: m.modelId })).text;
    const state = ir().journal.state;
    const lines = before.split('\n');
    const at = lines.findIndex((l) => l.includes('= Relu'));
    lines[at] = lines[at]!.replace('Relu (b)', 'Relu (b');
    const bad = await m.service.applyModelText({ modelId: m.modelId, text: lines.join('\n') });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors[0]!.line).toBeGreaterThanOrEqual(at + 1);
    expect(bad.errors[0]!.line).toBeLessThanOrEqual(at + 2);
    // A name read but never defined.
    const named = before.replace('[relu] y = Relu (b)', '[relu] y = Relu (nope)');
    const undefinedName = await m.service.applyModelText({ modelId: m.modelId, text: named });
    expect(undefinedName.ok).toBe(false);
    if (undefinedName.ok) return;
    expect(undefinedName.errors[0]).toMatchObject({ line: named.split('\n').findIndex((l) => l.includes('Relu (nope)')) + 1 });
    expect(undefinedName.errors[0]!.message).toMatch(/nope/);
    expect(ir().journal.state).toBe(state);
    expect((await m.service.getModelText({ modelId: m.modelId })).text).toBe(before);
  });

  it('adds and removes nodes from the text', async () => {
    const before = (await m.service.getModelText({ modelId: m.modelId })).text;
    const edited = before.replace(/\[relu\] y = Relu \(b\)/, '[relu] r = Relu (b)\n   [neg] y = Neg (r)');
    const r = await m.service.applyModelText({ modelId: m.modelId, text: edited });
    expect(r.ok).toBe(true);
    expect([...ir().graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu', 'Neg']);
    await m.service.undo({ modelId: m.modelId });
    expect([...ir().graph.nodes].map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
  });
});

describe('text of a subgraph in the service', () => {
  it('prints an If branch by its graph path with its nodes’ ids, and applies its edited text to that branch', async () => {
    const { attrGraph, ElemType, graph, model, modelBytes, node, tensor, valueInfo } = await import('../../shared/builder/index.js');
    const F = ElemType.FLOAT;
    const branch = (name: string, v: number) =>
      graph({
        name,
        nodes: [node('Constant', [], [`${name}_c`], { value: tensor('', F, [1], [v]) }), node('Add', ['x', `${name}_c`], [`${name}_out`], undefined, { name: `${name}_add` })],
        outputs: [valueInfo(`${name}_out`, F, [1])],
      });
    const bytes = modelBytes(
      model(
        graph({
          nodes: [node('Relu', ['x0'], ['x'], undefined, { name: 'relu' }), node('If', ['c'], ['y'], { then_branch: attrGraph(branch('then', 1)), else_branch: attrGraph(branch('else', 2)) }, { name: 'if' })],
          inputs: [valueInfo('x0', F, [1]), valueInfo('c', ElemType.BOOL, [])],
          outputs: [valueInfo('y', F, [1])],
        }),
        { opset: 17 },
      ),
    );
    const dir = await mkdtemp(join(tmpdir(), 'text-if-'));
    const service = new WorkbenchService({ settingsDir: dir });
    try {
      const { modelId } = await service.openBytes('if.onnx', bytes);
      const ifNode = [...service.document(modelId).model.ir.graph.nodes].find((n) => n.opType === 'If')!;
      const then = ifNode.subgraphs.find((s) => s.attribute === 'then_branch')!.graph;
      const t = await service.getModelText({ modelId, path: [{ nodeId: ifNode.id, attribute: 'then_branch' }] });
      expect(t.editable).toBe(true);
      expect(t.text.split('\n')[0]).toMatch(/^then \(\) => \(float\[1\] then_out\)/);
      expect(t.text).not.toContain('else_add');
      const add = [...then.nodes].find((n) => n.name === 'then_add')!;
      const span = t.spans.find((s) => s.id === add.id)!;
      expect(t.text.split('\n')[span.startLine - 1]).toContain('[then_add] then_out = Add (x, then_c)');
      await expect(service.getModelText({ modelId, path: [{ nodeId: ifNode.id, attribute: 'body' }] })).rejects.toMatchObject({ code: 'BAD_GRAPH_PATH' });
      const path = [{ nodeId: ifNode.id, attribute: 'then_branch' }];
      const r = await service.applyModelText({ modelId, path, text: t.text.replace('= Add (x, then_c)', '= Mul (x, then_c)'), version: t.version });
      expect(r.ok).toBe(true);
      const whole = (await service.getModelText({ modelId })).text;
      expect(whole).toContain('[then_add] then_out = Mul (x, then_c)');
      expect(whole).toContain('[else_add] else_out = Add (x, else_c)');
      await service.undo({ modelId });
      expect((await service.getModelText({ modelId })).text).toContain('[then_add] then_out = Add (x, then_c)');
    } finally {
      await service.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("applies a local function's body from its Function view as one step: the body's graph and text follow apply, undo and redo", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'text-fn-'));
    const service = new WorkbenchService({ settingsDir: dir });
    try {
      const { modelId } = await service.openBytes('calls.onnx', functionModelBytes());
      const act = (await service.getGraph(modelId, [])).nodes.find((n) => n.name === 'act')!;
      const path = [{ nodeId: act.id, attribute: FUNCTION_BODY }];
      const ops = async () => (await service.getGraph(modelId, path)).nodes.map((n) => n.opType);
      expect(await ops()).toEqual(['Erf', 'HalfOf']);
      const t = await service.getModelText({ modelId, path });
      expect(t.editable).toBe(true);
      expect(t.text.split('\n')[0]).toBe('ScaledGelu (a) => (b) {');
      const r = await service.applyModelText({ modelId, path, text: t.text.replace('[erf] e = Erf (a)', '[erf] e = Tanh (a)'), version: t.version });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.edit.steps).toHaveLength(1);
      expect(await ops()).toEqual(['Tanh', 'HalfOf']);
      expect((await service.getModelText({ modelId, path })).text).toContain('[erf] e = Tanh (a)');
      // Types inside the new body still come from the call: x is float[2].
      expect((await service.getGraph(modelId, path)).values.find((v) => v.name === 'e')).toMatchObject({ elemType: 'float', shape: [2] });
      await service.undo({ modelId });
      expect(await ops()).toEqual(['Erf', 'HalfOf']);
      expect((await service.getModelText({ modelId })).text).toContain('[erf] e = Erf (a)');
      await service.redo({ modelId });
      expect(await ops()).toEqual(['Tanh', 'HalfOf']);
      // A bad body is refused in the body's own lines, and the model stays as it is.
      const now = await service.getModelText({ modelId, path });
      const bad = await service.applyModelText({ modelId, path, text: now.text.replace('ex.HalfOf (e)', 'ex.HalfOf (e, e)') });
      expect(bad.ok ? undefined : bad.errors).toEqual([{ line: 3, column: expect.any(Number), message: expect.stringMatching(/function ex\.ScaledGelu: "half" \(HalfOf\): 2 inputs, but the local function ex\.HalfOf takes 1/) }]);
      expect(await ops()).toEqual(['Tanh', 'HalfOf']);
      // Nodes selected in a body apply in place, in that body.
      const erf = (await service.getGraph(modelId, path)).nodes[0]!;
      const sel = await service.getModelText({ modelId, path, nodes: [erf.id] });
      expect([sel.editable, sel.text]).toEqual([true, '[erf] e = Tanh (a)\n']);
      const lost = await service.applyModelText({ modelId, path, nodes: [erf.id], text: '[erf] f = Tanh (a)\n' });
      expect(lost.ok ? undefined : lost.errors[0]!.message).toMatch(/value "e" is read outside the selection/);
      const one = await service.applyModelText({ modelId, path, nodes: [erf.id], text: '[erf] e0 = Sigmoid (a)\n[scale] e = Mul (e0, a)\n' });
      expect(one.ok).toBe(true);
      expect(await ops()).toEqual(['Sigmoid', 'Mul', 'HalfOf']);
      await service.undo({ modelId });
      expect(await ops()).toEqual(['Tanh', 'HalfOf']);
    } finally {
      await service.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
