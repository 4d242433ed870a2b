import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { z } from 'zod';
import { defaultOperations } from '../../shared/operations/registry.js';
import type { Operation } from '../../shared/operations/operation.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { ORIGINS_KEY } from '../../shared/profile/provenance.js';
import { SURGERY_EDITS } from '../../shared/surgery/index.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import { writeConvBnRelu } from './conv-bn-model.js';

// The editing API of the workbench service on a builder-made Conv + BatchNormalization + Relu
// model: what applies to a selection, previews, one-step applies, undo/redo/jumps restoring the
// exact model, verification jobs in the runtime host (dist/ must be built), refusals, saving.

/** A deliberately wrong edit (Relu becomes Sigmoid), registered as an operation: its verification must fail. */
const breakRelu: Operation<{ opType: string }> = {
  name: 'test:replace-relu',
  description: 'replaces every Relu by another unary op (a wrong edit, for tests)',
  group: 'surgery',
  options: z.strictObject({ opType: z.enum(['Sigmoid', 'Tanh']).default('Sigmoid') }),
  tolerance: 'exact',
  requires: [],
  async run(ctx) {
    let n = 0;
    const g = ctx.model.graph;
    for (const relu of [...g.nodes].filter((x) => x.opType === 'Relu' && (!ctx.scope || ctx.scope.has(x.id)))) {
      g.replaceNodes([relu], [{ opType: ctx.options.opType, inputs: [...relu.inputs], outputs: [...relu.outputs], name: relu.name }]);
      n++;
    }
    return { matches: n };
  },
};

describe('operations, history and jobs in the service', () => {
  let dir: string;
  let file: string;
  let service: WorkbenchService;
  let modelId: string;
  const ids: Record<string, number> = {};
  const events: ProgressEvent[] = [];
  const proto = () => service.document(modelId).model.ir.toProto();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ops-'));
    file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    service = new WorkbenchService({ settingsDir: dir, operations: defaultOperations().add(breakRelu) });
    service.onProgress((e) => events.push(e));
    modelId = (await service.openPath(file)).modelId;
    for (const n of (await service.getGraph(modelId, [])).nodes) ids[n.name] = n.id;
  });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('the registry holds every pass, preset and surgery edit, each with a group, a description and an options schema', () => {
    const ops = defaultOperations().list();
    const quantization = ops.filter((o) => o.group === 'quantization' || o.group === 'pruning');
    expect(ops.filter((o) => !quantization.includes(o)).map((o) => o.name)).toEqual([...ALL_PASSES.map((p) => p.name), ...Object.keys(PRESETS).map((k) => `preset:${k}`), ...SURGERY_EDITS.map((e) => e.name)]);
    expect(quantization.map((o) => o.name)).toEqual(expect.arrayContaining(['quantize-static', 'quantize-dynamic', 'quantize-fp16', 'quantize-bf16', 'quantize-int4']));
    expect(ops.filter((o) => o.group === 'pruning').map((o) => o.name)).toEqual(['prune-magnitude', 'prune-channels']);
    expect(defaultOperations().get('quantize-static')).toMatchObject({ tolerance: 'int8' });
    expect(defaultOperations().get('delete-node')).toMatchObject({ group: 'surgery', tolerance: 'exact' });
    expect(defaultOperations().get('set-attribute').tolerance).toBeNull();
    expect(defaultOperations().get('extract-subgraph').options.safeParse({ inputs: ['a'], outputs: [] }).success).toBe(false);
    const bn = defaultOperations().get('fuse-conv-batchnorm');
    expect(bn).toMatchObject({ group: 'fusion', target: 'portable', tolerance: 'reassociation' });
    expect(defaultOperations().get('dead-code-elimination')).toMatchObject({ group: 'cleanup', tolerance: 'exact' });
    expect(defaultOperations().get('preset:default').options.parse({})).toEqual({ target: 'portable' });
  });

  it('lists the conv-bn fusion for a selection of the Conv and its BN, not for the Relu alone', async () => {
    const both = await service.listOperations({ modelId, selection: [ids.conv!, ids.bn!] });
    const fusion = both.operations.find((o) => o.name === 'fuse-conv-batchnorm')!;
    expect(fusion).toMatchObject({ group: 'fusion', matches: 1, nodesBefore: 3, nodesAfter: 2 });
    // Both go; one Conv with the folded weights takes their place.
    expect(fusion.nodes).toEqual([ids.conv, ids.bn]);
    expect(both.selection).toEqual([ids.conv, ids.bn]);
    const relu = await service.listOperations({ modelId, selection: [ids.relu!] });
    expect(relu.operations.map((o) => o.name)).not.toContain('fuse-conv-batchnorm');
    expect(relu.operations.map((o) => o.name)).toContain('test:replace-relu');
    // Over the whole model it applies too, and `all` lists what does not apply with 0 matches.
    const whole = await service.listOperations({ modelId, all: true });
    expect(whole.operations.find((o) => o.name === 'fuse-conv-batchnorm')!.matches).toBe(1);
    expect(whole.operations.find((o) => o.name === 'fuse-gelu')!.matches).toBe(0);
  });

  it('previews without changing the document', async () => {
    const before = proto();
    const { version } = await service.getHistory(modelId);
    const p = await service.previewOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.conv!, ids.bn!], version });
    expect(p).toMatchObject({ matches: 1, removed: [ids.conv, ids.bn], changed: [], addedCount: 1, nodesBefore: 3, nodesAfter: 2, tolerance: 'reassociation', version });
    expect(proto()).toEqual(before);
    expect((await service.getHistory(modelId)).version).toBe(version);
    // The model is as it was, so what the view derived from it (inferred shapes) still holds.
    expect(service.document(modelId).inferencePending).toBe(false);
    expect((await service.getGraph(modelId, [])).nodes).toHaveLength(3);
  });

  it('applies as one step, verifies it in the background, and undo/redo/goToStep restore exact models', async () => {
    const original = proto();
    const h0 = await service.getHistory(modelId);
    const first = await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.conv!, ids.bn!], version: h0.version });
    expect(first.diff).toMatchObject({ removed: [ids.conv, ids.bn], changed: [], graphChanged: true });
    expect(first.diff.added).toHaveLength(1);
    const fusedId = first.diff.added[0]!;
    expect(fusedId).toBeGreaterThan(ids.relu!);
    expect(first.state).toBe(1);
    expect(first.step).toMatchObject({ index: 1, operation: 'fuse-conv-batchnorm', options: {}, selection: [ids.conv, ids.bn], matches: 1, nodesBefore: 3, nodesAfter: 2, applied: true });
    expect(first.step!.label).toBe('fuse-conv-batchnorm (2 selected nodes)');
    expect(first.step!.verification).toMatchObject({ state: 'running', tolerance: 'reassociation' });
    const jobId = first.step!.verification.jobId!;
    expect((await service.getGraph(modelId, [])).nodes.map((n) => n.opType).sort()).toEqual(['Conv', 'Relu']);
    const fused = proto();

    const job = await service.waitForJob(jobId);
    expect(job).toMatchObject({ state: 'done', kind: 'verify', error: null });
    expect(events.filter((e) => e.jobId === jobId).length).toBeGreaterThanOrEqual(3);
    const v = (await service.getHistory(modelId)).steps[0]!.verification;
    expect(v.state).toBe('passed');
    expect(v.maxAbsError).toBeGreaterThanOrEqual(0);
    expect(v.maxAbsError).toBeLessThan(1e-4);
    expect(v.cosine).toBeGreaterThan(0.99999);
    expect(v.outputs.map((o) => o.name)).toEqual(['y']);

    const second = await service.applyOperation({ modelId, name: 'test:replace-relu', options: { opType: 'Tanh' }, version: first.version, verify: false });
    expect(second.step).toMatchObject({ index: 2, options: { opType: 'Tanh' }, selection: null, nodesBefore: 2, nodesAfter: 2, verification: { state: 'none' } });
    expect(second.diff.added).toHaveLength(1);
    expect(second.diff.removed).toEqual([ids.relu]);
    const broken = proto();

    const u = await service.undo({ modelId, version: second.version });
    expect(u.state).toBe(1);
    expect(u.diff.removed).toEqual(second.diff.added);
    expect(u.diff.added).toEqual([ids.relu]);
    expect(proto()).toEqual(fused);
    expect(u.steps.map((s) => s.applied)).toEqual([true, false]);
    // A preview (a dry run) leaves what redo can bring back.
    await service.previewOperation({ modelId, name: 'test:replace-relu' });
    expect(u.version).toBe((await service.getHistory(modelId)).version);
    const r = await service.redo({ modelId });
    expect(r.diff).toEqual({ ...second.diff });
    expect(proto()).toEqual(broken);
    const g0 = await service.goToStep({ modelId, index: 0, version: r.version });
    expect(proto()).toEqual(original);
    expect(g0.diff.added).toEqual([ids.conv, ids.bn, ids.relu]);
    expect(g0.diff.removed).toEqual([fusedId, ...second.diff.added]);
    expect((await service.getGraph(modelId, [])).nodes).toHaveLength(3);
    const g2 = await service.goToStep({ modelId, index: 2 });
    expect(proto()).toEqual(broken);
    expect(g2.steps.map((s) => [s.label, s.applied, s.nodesBefore, s.nodesAfter])).toEqual([
      ['fuse-conv-batchnorm (2 selected nodes)', true, 3, 2],
      ['test:replace-relu', true, 2, 2],
    ]);
    await service.goToStep({ modelId, index: 0 });
  });

  it('a wrong edit fails verification with its error; a cancelled job says so', async () => {
    const h = await service.getHistory(modelId);
    const bad = await service.applyOperation({ modelId, name: 'test:replace-relu', version: h.version });
    // A new step at state 0 drops the undone ones.
    expect(bad.steps).toHaveLength(1);
    await service.waitForJob(bad.step!.verification.jobId!);
    const v = (await service.getHistory(modelId)).steps[0]!.verification;
    expect(v.state).toBe('failed');
    expect(v.maxAbsError).toBeGreaterThan(1e-3);
    expect(v.message).toMatch(/^y: /);

    await service.undo({ modelId });
    const again = await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: (await service.getHistory(modelId)).version });
    const jobId = again.step!.verification.jobId!;
    const cancelled = await service.cancelJob(jobId);
    expect(cancelled.state).toBe('cancelled');
    expect((await service.getJob(jobId)).state).toBe('cancelled');
    expect((await service.getHistory(modelId)).steps[0]!.verification).toMatchObject({ state: 'cancelled', jobId });
    await service.undo({ modelId });
  });

  it('runs several verification jobs at once, each ending on its own step', async () => {
    const a = await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: (await service.getHistory(modelId)).version });
    const b = await service.applyOperation({ modelId, name: 'test:replace-relu', version: a.version });
    const jobs = [a.step!.verification.jobId!, b.step!.verification.jobId!];
    expect(new Set(jobs).size).toBe(2);
    expect((await Promise.all(jobs.map((j) => service.getJob(j)))).map((j) => j.state)).toEqual(['running', 'running']);
    await Promise.all(jobs.map((j) => service.waitForJob(j)));
    expect((await service.getHistory(modelId)).steps.map((s) => s.verification.state)).toEqual(['passed', 'failed']);
    await service.goToStep({ modelId, index: 0 });
  });

  it('a step that replaces undone ones cancels their running verification', async () => {
    const a = await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: (await service.getHistory(modelId)).version });
    const undone = await service.undo({ modelId });
    const b = await service.applyOperation({ modelId, name: 'test:replace-relu', version: undone.version, verify: false });
    expect(b.steps.map((s) => s.operation)).toEqual(['test:replace-relu']);
    expect(await service.waitForJob(a.step!.verification.jobId!)).toMatchObject({ state: 'cancelled' });
    await service.undo({ modelId });
  });

  it('offers surgery edits for a one-node selection; unverified where outputs are meant to change', async () => {
    const list = await service.listOperations({ modelId, selection: [ids.relu!] });
    expect(list.operations.find((o) => o.name === 'delete-node')).toMatchObject({ group: 'surgery', options: { node: String(ids.relu) }, matches: 1, nodesAfter: 2 });
    expect(list.operations.map((o) => o.name)).not.toContain('set-attribute');
    const all = await service.listOperations({ modelId, selection: [ids.relu!], all: true });
    expect(all.operations.find((o) => o.name === 'set-attribute')).toMatchObject({ options: null, matches: 0, tolerance: null });

    // Deleting the Relu changes the output: verification (bit-exact) says so.
    const del = await service.applyOperation({ modelId, name: 'delete-node', options: { node: 'relu' }, selection: [ids.relu!], version: list.version });
    expect(del.diff.removed).toEqual([ids.relu]);
    await service.waitForJob(del.step!.verification.jobId!);
    expect((await service.getHistory(modelId)).steps[0]!.verification).toMatchObject({ state: 'failed', tolerance: 'exact' });
    await service.undo({ modelId });

    const eps = await service.applyOperation({ modelId, name: 'set-attribute', options: { node: 'bn', attribute: 'epsilon', value: '0.001' }, version: (await service.getHistory(modelId)).version });
    expect(eps.diff.changed).toEqual([ids.bn]);
    expect(eps.step!.verification).toMatchObject({ state: 'none', jobId: null, tolerance: null, message: expect.stringMatching(/not verified/) });
    await service.undo({ modelId });

    const h = await service.getHistory(modelId);
    await expect(service.applyOperation({ modelId, name: 'delete-node', options: { node: 'conv' }, selection: [ids.bn!], version: h.version })).rejects.toMatchObject({ code: 'NOT_APPLICABLE' });
    await expect(service.applyOperation({ modelId, name: 'delete-node', options: { node: 3 }, version: h.version })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(service.applyOperation({ modelId, name: 'delete-node', options: { node: 'conv' }, version: h.version })).rejects.toMatchObject({ code: 'EDIT_REFUSED' });
    expect(await service.getHistory(modelId)).toEqual(h);
  });

  it('refuses stale versions and bad requests, changing nothing', async () => {
    const before = proto();
    const h = await service.getHistory(modelId);
    const refusals: [() => Promise<unknown>, string, RegExp][] = [
      [() => service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: h.version + 7 }), 'STALE_VERSION', /changed since version/],
      [() => service.previewOperation({ modelId, name: 'fuse-conv-batchnorm', version: h.version - 1 }), 'STALE_VERSION', /list or preview again/],
      [() => service.goToStep({ modelId, index: 1, version: h.version + 1 }), 'STALE_VERSION', /changed/],
      [() => service.applyOperation({ modelId, name: 'fuse-everything', version: h.version }), 'UNKNOWN_OPERATION', /"fuse-everything"/],
      [() => service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', options: { scale: 2 }, version: h.version }), 'BAD_OPTION', /fuse-conv-batchnorm.*scale/],
      [() => service.applyOperation({ modelId, name: 'preset:default', options: { target: 'gpu' }, version: h.version }), 'BAD_OPTION', /target/],
      [() => service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.conv!, 9999], version: h.version }), 'UNKNOWN_NODE', /9999/],
      [() => service.listOperations({ modelId, selection: [4242] }), 'UNKNOWN_NODE', /4242/],
      [() => service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', selection: [ids.relu!], version: h.version }), 'NOT_APPLICABLE', /changes nothing in the selection/],
      [() => service.goToStep({ modelId, index: 5 }), 'BAD_STEP', /no history state 5/],
      [() => service.getJob('verify-nope'), 'UNKNOWN_JOB', /verify-nope/],
      [() => service.applyOperation({ modelId: 'nope', name: 'fuse-conv-batchnorm', version: 0 }), 'UNKNOWN_MODEL', /nope/],
    ];
    for (const [p, code, message] of refusals) await expect(p()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(proto()).toEqual(before);
    expect(await service.getHistory(modelId)).toEqual(h);
  });

  it('saves atomically with provenance; the file reopens with the fused node count; an existing file needs overwrite', async () => {
    const h = await service.getHistory(modelId);
    await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: h.version, verify: false });
    const out = join(dir, 'saved.onnx');
    const saved = await service.saveModel({ modelId, path: out });
    expect(saved).toMatchObject({ path: out, nodeCount: 2 });
    const reopened = await openModel(out);
    expect(reopened.ir.graph.nodeCount).toBe(2);
    expect(reopened.fileSize).toBe(saved.bytes);
    const conv = [...reopened.ir.graph.nodes].find((n) => n.opType === 'Conv')!;
    expect(JSON.parse(conv.proto.metadataProps!.find((e) => e.key === ORIGINS_KEY)!.value!)).toEqual(['conv', 'bn']);
    await expect(service.saveModel({ modelId, path: out })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await expect(service.saveModel({ modelId, path: file })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await service.undo({ modelId });
    expect((await service.saveModel({ modelId, path: out, overwrite: true })).nodeCount).toBe(3);
    expect((await openModel(out)).ir.graph.nodeCount).toBe(3);
    // No temporary files left beside it.
    expect((await readdir(dir)).filter((f) => f.startsWith('saved') || f.includes('.tmp'))).toEqual(['saved.onnx']);
  });
});
