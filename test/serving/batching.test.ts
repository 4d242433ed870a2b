// Dynamic batching: concurrent requests merge along the batch dim and each answer equals the
// request run on its own; a full queue answers 429 with Retry-After; shutdown finishes what it took.

import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../../electron/serving/model-server.js';
import { convModel, gatherModel, runDirect, seeded, writeModels } from './serving-models.js';

let paths: Record<string, string>;
beforeAll(() => {
  paths = writeModels({ conv: convModel(), gather: gatherModel() });
});

interface Answer {
  outputs: { shape: number[]; data: number[] }[];
  parameters: { batch_size: number };
}

function request(server: ModelServer, rows: number, seed: number): Promise<Response> {
  const x = seeded(rows * 3 * 16 * 16, seed);
  return fetch(`${server.url}/v2/models/conv/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 3, 16, 16], data: Array.from(x) }] }) });
}

describe('dynamic batching', () => {
  let server: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], maxBatch: 8, maxDelayMs: 2000, log: () => undefined });
  }, 60_000);
  afterAll(async () => server?.close());

  it('merges concurrent requests and splits the outputs back: each equals its own run', async () => {
    const rows = [1, 2, 1, 3, 1];
    const answers = await Promise.all(rows.map((r, i) => request(server, r, 100 + i)));
    const bodies = await Promise.all(answers.map(async (a) => ((await a.json()) as Answer)));
    expect(answers.map((a) => a.status)).toEqual(rows.map(() => 200));
    // Together they hold 8 rows, max-batch: one run as soon as the last arrives (within the 2 s wait).
    expect(bodies.map((b) => b.parameters.batch_size)).toEqual(rows.map(() => 5));
    for (const [i, r] of rows.entries()) {
      const want = await runDirect(paths.conv!, { x: new ort.Tensor('float32', seeded(r * 3 * 16 * 16, 100 + i), [r, 3, 16, 16]) });
      expect(bodies[i]!.outputs[0]!.shape).toEqual([r, 8, 14, 14]);
      expect(Float32Array.from(bodies[i]!.outputs[0]!.data)).toEqual(want.y!.data);
    }
    const batches = server.snapshot().models.conv!.batchSize;
    expect(batches.count).toBe(1);
  });

  it('never merges past max-batch rows', async () => {
    const rows = [4, 4, 4];
    const bodies = await Promise.all(rows.map(async (r, i) => ((await (await request(server, r, 200 + i)).json()) as Answer)));
    expect(bodies.map((b) => b.parameters.batch_size).sort()).toEqual([1, 2, 2]);
    for (const [i, r] of rows.entries()) {
      const want = await runDirect(paths.conv!, { x: new ort.Tensor('float32', seeded(r * 3 * 16 * 16, 200 + i), [r, 3, 16, 16]) });
      expect(Float32Array.from(bodies[i]!.outputs[0]!.data)).toEqual(want.y!.data);
    }
  });
});

describe('a merged batch that fails', () => {
  it('runs its requests one by one, so that only the bad one fails and the others get their own answers', async () => {
    const server = await startModelServer({ models: [{ name: 'gather', version: '1', path: paths.gather! }], maxBatch: 3, maxDelayMs: 5000, log: () => undefined });
    try {
      const indices = [[0, 1], [7, 0], [3, 2]];
      const answers = await Promise.all(
        indices.map((i) => fetch(`${server.url}/v2/models/gather/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 2], data: i }] }) })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 500, 200]);
      expect(((await answers[1]!.json()) as { error: string }).error).toMatch(/onnxruntime failed to run it/);
      for (const k of [0, 2]) {
        const body = (await answers[k]!.json()) as Answer;
        const want = await runDirect(paths.gather!, { i: new ort.Tensor('int64', BigInt64Array.from(indices[k]!, BigInt), [1, 2]) });
        expect(body.parameters.batch_size).toBe(1);
        expect(Float32Array.from(body.outputs[0]!.data)).toEqual(want.y!.data);
      }
      // Runs that answered: the two good requests alone (the failed merged run and the bad request's own are not counted).
      expect(server.snapshot().models.gather!.batchSize.count).toBe(2);
      // The server goes on merging good requests.
      const again = await Promise.all([[0, 0], [1, 1], [2, 2]].map(async (i) => ((await (await fetch(`${server.url}/v2/models/gather/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 2], data: i }] }) })).json()) as Answer)));
      expect(again.map((a) => a.parameters.batch_size)).toEqual([3, 3, 3]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('back-pressure and shutdown', () => {
  it('answers 429 with Retry-After when the queue is full, and the queued requests still succeed', async () => {
    const server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], maxBatch: 64, maxDelayMs: 3000, maxQueue: 2, log: () => undefined });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => request(server, 1, i)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
      const refused = answers.find((a) => a.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: string }).error).toMatch(/queue is full/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('finishes the requests it accepted when it shuts down, and takes no new ones', async () => {
    const server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], maxBatch: 64, maxDelayMs: 1000, log: () => undefined });
    const accepted = [request(server, 1, 1), request(server, 2, 2)];
    while (server.snapshot().queueDepth < 2) await new Promise((r) => setTimeout(r, 20));
    const closing = server.close();
    const statuses = await Promise.all(accepted.map(async (a) => (await a).status));
    expect(statuses).toEqual([200, 200]);
    await closing;
    await expect(request(server, 1, 3)).rejects.toThrow();
  }, 60_000);
});
