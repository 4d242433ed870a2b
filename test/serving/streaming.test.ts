// Streams on Silero VAD (a recurrent model that takes its state back): the server holds each
// stream's state across chunks, and its answers equal running the chunks one by one here.

import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../../electron/serving/model-server.js';

const DIST = join(process.cwd(), 'node_modules/@ricky0123/vad-web/dist');
const V5 = join(DIST, 'silero_vad_v5.onnx');
const LEGACY = join(DIST, 'silero_vad_legacy.onnx');
const CHUNK = 512;

/** A tone that starts halfway, over low noise: the VAD's probability changes across chunks. */
function audio(chunks: number, freq: number): Float32Array {
  let s = 1;
  return Float32Array.from({ length: chunks * CHUNK }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const noise = (s / 2147483648 - 0.5) * 0.01;
    return noise + (i > (chunks * CHUNK) / 2 ? 0.5 * Math.sin((2 * Math.PI * freq * i) / 16000) : 0);
  });
}

/** Output probabilities and final state from running the chunks one by one in this process. */
async function direct(samples: Float32Array): Promise<number[]> {
  const s = await ort.InferenceSession.create(V5);
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  const probs: number[] = [];
  for (let at = 0; at < samples.length; at += CHUNK) {
    const out = await s.run({ input: new ort.Tensor('float32', samples.slice(at, at + CHUNK), [1, CHUNK]), state, sr });
    probs.push((out.output!.data as Float32Array)[0]!);
    state = out.stateN as ort.Tensor;
  }
  await s.release();
  return probs;
}

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ models: [{ name: 'vad', version: '5', path: V5 }, { name: 'vad-legacy', version: '1', path: LEGACY }], log: () => undefined });
}, 60_000);
afterAll(async () => server?.close());

const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
const chunkBody = (samples: Float32Array, k: number) => ({
  inputs: [
    { name: 'input', datatype: 'FP32', shape: [1, CHUNK], data: Array.from(samples.slice(k * CHUNK, (k + 1) * CHUNK)) },
    { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
  ],
  outputs: [{ name: 'output' }],
});

interface Answer {
  outputs: { name: string; data: number[] }[];
  parameters: { sequence: number };
}

describe('streams', () => {
  it('finds the state pairs of both Silero exports', async () => {
    expect(((await (await fetch(`${server.url}/v2/models/vad`)).json()) as { parameters: unknown }).parameters).toEqual({ batchable: false, state: { state: 'stateN' } });
    expect(((await (await fetch(`${server.url}/v2/models/vad-legacy`)).json()) as { parameters: unknown }).parameters).toEqual({ batchable: false, state: { h: 'hn', c: 'cn' } });
  });

  it('keeps each stream\'s state across chunks: two interleaved streams equal their chunks run one by one', async () => {
    const chunks = 8;
    const a = audio(chunks, 440);
    const b = audio(chunks, 1200).map((v) => v * 0.3);
    const [wantA, wantB] = [await direct(a), await direct(b)];
    // The state matters: without it the probabilities would differ (else this test could not fail).
    const stateless = await direct(a.slice(-CHUNK));
    expect(stateless[0]).not.toBeCloseTo(wantA[chunks - 1]!, 4);

    const open = async () => ((await (await post('/v2/models/vad/streams', {})).json()) as { id: string }).id;
    const [sa, sb] = [await open(), await open()];
    const events = await fetch(`${server.url}/v2/models/vad/streams/${sa}`);
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const gotA: number[] = [];
    const gotB: number[] = [];
    for (let k = 0; k < chunks; k++) {
      const [ra, rb] = await Promise.all([post(`/v2/models/vad/streams/${sa}/infer`, chunkBody(a, k)), post(`/v2/models/vad/streams/${sb}/infer`, chunkBody(b, k))]);
      const [ja, jb] = [(await ra.json()) as Answer, (await rb.json()) as Answer];
      expect(ja.parameters.sequence).toBe(k);
      expect(ja.outputs.map((o) => o.name)).toEqual(['output']);
      gotA.push(ja.outputs[0]!.data[0]!);
      gotB.push(jb.outputs[0]!.data[0]!);
    }
    expect(gotA).toEqual(wantA.map((p) => Math.fround(p)));
    expect(gotB).toEqual(wantB.map((p) => Math.fround(p)));

    // The event stream carried every chunk's result, in order, then its end.
    expect((await fetch(`${server.url}/v2/models/vad/streams/${sa}`, { method: 'DELETE' })).status).toBe(200);
    const text = await events.text();
    const results = [...text.matchAll(/^event: result\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Answer);
    expect(results.map((r) => r.parameters.sequence)).toEqual([...Array(chunks).keys()]);
    expect(results.map((r) => r.outputs[0]!.data[0])).toEqual(gotA);
    expect(text).toMatch(/event: end\ndata: \{"id":"[^"]+","chunks":8\}/);
    expect((await post(`/v2/models/vad/streams/${sa}/infer`, chunkBody(a, 0))).status).toBe(404);
  }, 60_000);

  it('refuses a bad chunk with 400, and the stream goes on from where it was', async () => {
    const r = await post('/v2/models/vad/streams', {});
    const { id } = (await r.json()) as { id: string };
    const bad = await post(`/v2/models/vad/streams/${id}/infer`, { inputs: [{ name: 'input', datatype: 'FP64', shape: [1, CHUNK], data: [] }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/datatype FP64, but the model takes FP32/);
    const a = audio(1, 440);
    const good = (await (await post(`/v2/models/vad/streams/${id}/infer`, chunkBody(a, 0))).json()) as Answer;
    expect(good.parameters.sequence).toBe(0);
    expect(good.outputs[0]!.data[0]).toBe(Math.fround((await direct(a))[0]!));
  });
});
