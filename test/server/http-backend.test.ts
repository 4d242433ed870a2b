import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../electron/server/local-server.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { OpenedModelInfo, ProgressEvent } from '../../shared/protocol/backend.js';
import { nodeSocket, SAMPLE, SILERO_V5 } from './server-helpers.js';

// The renderer's HTTP backend against a running browser host: the whole API as the page uses it.

describe('HttpBackend over the browser host', () => {
  let server: LocalServer;
  let backend: HttpBackend;
  let sample: OpenedModelInfo;
  beforeAll(async () => {
    server = await startLocalServer({ model: SAMPLE });
    backend = new HttpBackend({ origin: new URL(server.url).origin, token: server.token, openSocket: nodeSocket });
    sample = (await backend.initialModel())!;
  });
  afterAll(() => server.close());

  it('gives the initial model, the same document on every call', async () => {
    expect(sample.name).toBe('sample.onnx');
    expect(sample.path).toBe(SAMPLE);
    expect(sample.summary.nodeCount).toBe(17);
    expect((await backend.initialModel())!.modelId).toBe(sample.modelId);
  });

  it('gives the main graph with attributes, initializers and inferred shapes', async () => {
    const g = await backend.getGraph(sample.modelId, []);
    expect(g.name).toBe('sample_classifier');
    expect(g.nodes).toHaveLength(17);
    const conv = g.nodes.find((n) => n.name === 'stem/Conv')!;
    expect(conv.attributes).toEqual({ pads: '[1, 1, 1, 1]', strides: '[2, 2]', kernel_shape: '[3, 3]' });
    expect(g.initializers).toContainEqual({ name: 'stem.weight', elemType: 'float', dims: [16, 3, 3, 3] });
    const value = (name: string) => g.values.find((v) => v.name === name);
    expect(value('image')).toEqual({ name: 'image', elemType: 'float', shape: ['batch', 3, 32, 32], source: 'declared' });
    expect(value('stem/conv')).toEqual({ name: 'stem/conv', elemType: 'float', shape: ['batch', 16, 16, 16], source: 'inferred' });
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode.subgraphs.map((s) => [s.attribute, s.name, s.nodeCount])).toEqual([
      ['then_branch', 'then_softmax', 1],
      ['else_branch', 'else_log_softmax', 1],
    ]);
  });

  it("gives a tensor's statistics and a 64-bin histogram", async () => {
    const t = await backend.getTensor(sample.modelId, [], 'stem.weight');
    expect(t).toMatchObject({ name: 'stem.weight', elemType: 'float', dims: [16, 3, 3, 3], byteSize: 1728, external: false });
    expect(t.stats!.min).toBeLessThan(0);
    expect(t.stats!.max).toBeGreaterThan(0);
    expect(t.stats!.std).toBeGreaterThan(0);
    expect(t.histogram!.counts).toHaveLength(64);
    expect(t.histogram!.counts.reduce((a, b) => a + b)).toBe(16 * 3 * 3 * 3);
    expect(t.first).toHaveLength(16);
  });

  it("navigates into the sample's If branches; outer tensors are visible there", async () => {
    const g = await backend.getGraph(sample.modelId, []);
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    // The branches read the head's logits: the view draws that as an edge into the If.
    expect(ifNode.implicitInputs).toEqual(['logits']);
    expect(g.nodes.find((n) => n.opType === 'Gemm')!.implicitInputs).toBeUndefined();
    const then = await backend.getGraph(sample.modelId, [{ nodeId: ifNode.id, attribute: 'then_branch' }]);
    expect(then.name).toBe('then_softmax');
    expect(then.nodes.map((n) => [n.opType, n.attributes])).toEqual([['Softmax', { axis: '1' }]]);
    expect(then.values.find((v) => v.name === 'logits')).toMatchObject({ elemType: 'float', shape: ['batch', 10] });
    const bias = await backend.getTensor(sample.modelId, [{ nodeId: ifNode.id, attribute: 'then_branch' }], 'head.fc.bias');
    expect(bias.dims).toEqual([10]);
  });

  it("navigates into a Silero VAD model's If subgraph and reads a Constant's tensor there", async () => {
    const silero = await backend.openModel({ path: SILERO_V5 });
    expect(silero.summary.nodeCount).toBe(5);
    const main = await backend.getGraph(silero.modelId, []);
    const ifNode = main.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode.attributes).toEqual({ else_branch: '<graph If_0_else_branch>', then_branch: '<graph If_0_then_branch>' });
    const path = [{ nodeId: ifNode.id, attribute: 'then_branch' }];
    const body = await backend.getGraph(silero.modelId, path);
    expect(body.nodes).toHaveLength(ifNode.subgraphs.find((s) => s.attribute === 'then_branch')!.nodeCount);
    expect(body.path).toEqual(path);
    expect(body.values.filter((v) => v.source === 'inferred').length).toBeGreaterThan(50);
    const weight = body.nodes.find((n) => n.opType === 'Constant' && n.outputs[0]!.endsWith('encoder.0.reparam_conv.weight'))!;
    const t = await backend.getTensor(silero.modelId, path, weight.outputs[0]!);
    expect(t.elemType).toBe('float');
    expect(t.dims.length).toBe(3);
    expect(t.histogram!.counts.reduce((a, b) => a + b)).toBe(t.dims.reduce((a, b) => a * b) - t.stats!.nanCount);
    // A Loop/If body nested inside: the path goes on.
    const nested = body.nodes.find((n) => n.subgraphs.length > 0);
    if (nested) {
      const inner = await backend.getGraph(silero.modelId, [...path, { nodeId: nested.id, attribute: nested.subgraphs[0]!.attribute }]);
      expect(inner.nodes.length).toBe(nested.subgraphs[0]!.nodeCount);
    }
  });

  it('reads a graph larger than one part whole, in order', async () => {
    // A chain of Relu nodes: 20,000 nodes and values take three parts of GRAPH_PART_ITEMS.
    const count = 20_000;
    const nodes = Array.from({ length: count }, (_, i) => node('Relu', [i ? `v${i - 1}` : 'x'], [i === count - 1 ? 'y' : `v${i}`], {}, { name: `relu${i}` }));
    const m = model(graph({ nodes, inputs: [valueInfo('x', ElemType.FLOAT, [4])], outputs: [valueInfo('y', ElemType.FLOAT, [4])] }));
    const info = await backend.openModel({ name: 'chain.onnx', bytes: modelBytes(m) });
    const g = await backend.getGraph(info.modelId, []);
    expect(g.nodes).toHaveLength(count);
    expect(g.nodes.map((n) => n.name)).toEqual(nodes.map((n) => n.name));
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(count);
    expect(g.values.find((v) => v.name === 'v12345')).toEqual({ name: 'v12345', elemType: 'float', shape: [4], source: 'inferred' });
    expect(g.values.length).toBeGreaterThanOrEqual(count + 1);
  });

  it('rethrows the host’s errors as WorkbenchErrors with their codes', async () => {
    const fail = (p: Promise<unknown>) => p.then(() => expect.unreachable(), (e: unknown) => e as WorkbenchError);
    const badPath = await fail(backend.getGraph(sample.modelId, [{ nodeId: 99999, attribute: 'body' }]));
    expect(badPath).toBeInstanceOf(WorkbenchError);
    expect(badPath.code).toBe('BAD_GRAPH_PATH');
    expect(badPath.message).toBe('sample.onnx: no subgraph #99999.body (no node #99999 there)');
    const noTensor = await fail(backend.getTensor(sample.modelId, [], 'image'));
    expect(noTensor.code).toBe('NO_TENSOR');
    const missing = await fail(backend.openModel({ path: '/no/such/model.onnx' }));
    expect(missing.code).not.toBe('INTERNAL');
    expect(missing.message).toContain('/no/such/model.onnx');
    const bad = await fail(backend.getGraph('', []));
    expect(bad.code).toBe('BAD_REQUEST');
    const wrongToken = new HttpBackend({ origin: new URL(server.url).origin, token: 'x'.repeat(32) });
    expect((await fail(wrongToken.initialModel())).code).toBe('UNAUTHORIZED');
  });

  it('uploads picked bytes and keeps NaN and infinities in the statistics', async () => {
    const odd = tensor('odd', ElemType.FLOAT, [6], [1, NaN, Infinity, -2, 0, NaN]);
    const m = model(
      graph({
        nodes: [node('Add', ['x', 'odd'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, [6])],
        outputs: [valueInfo('y', ElemType.FLOAT, [6])],
        initializers: [odd],
      }),
    );
    const info = await backend.openModel({ name: 'odd.onnx', bytes: modelBytes(m) });
    expect([info.name, info.path]).toEqual(['odd.onnx', null]);
    const t = await backend.getTensor(info.modelId, [], 'odd');
    expect(t.stats).toEqual({ min: -2, max: Infinity, mean: Infinity, std: NaN, zeros: 1, nanCount: 2, sparsity: 1 / 6 });
    expect(t.histogram!.min).toBe(-2);
    expect(t.histogram!.max).toBe(1);
    expect(t.histogram!.counts.reduce((a, b) => a + b)).toBe(3);
    expect(t.first).toEqual([1, NaN, Infinity, -2, 0, NaN]);
  });

  it('reports progress of opens over the WebSocket', async () => {
    const events: ProgressEvent[] = [];
    const stop = backend.onProgress((e) => events.push(e));
    try {
      // The socket connects asynchronously; open until one open's events all arrived.
      const whole = () => events.find((e) => e.done === 0 && events.some((f) => f.jobId === e.jobId && f.done === 2))?.jobId;
      for (let i = 0; i < 50 && !whole(); i++) {
        await backend.openModel({ path: SAMPLE });
        await new Promise((r) => setTimeout(r, 50));
      }
      const job = whole();
      expect(events.filter((e) => e.jobId === job).map((e) => [e.done, e.total, e.message])).toEqual([
        [0, 2, 'opening sample.onnx'],
        [1, 2, 'summarizing sample.onnx'],
        [2, 2, 'opened sample.onnx'],
      ]);
    } finally {
      stop();
    }
  });
});
