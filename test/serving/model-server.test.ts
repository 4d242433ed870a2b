// The model server over real HTTP (node fetch) on an ephemeral port: each endpoint, the binary
// tensor extension, versions, async jobs, metrics, tokens, and refusals that leave it up.

import { connect } from 'node:net';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../../electron/serving/model-server.js';
import { convModel, fixedModel, INT_INPUTS, intsModel, runDirect, seeded, writeModels } from './serving-models.js';

let server: ModelServer;
let paths: Record<string, string>;
const logs: string[] = [];

beforeAll(async () => {
  paths = writeModels({ conv: convModel(), fixed: fixedModel(), conv2: convModel(4), ints: intsModel() });
  server = await startModelServer({
    models: [
      { name: 'conv', version: '1', path: paths.conv! },
      { name: 'conv', version: '2', path: paths.conv2! },
      { name: 'fixed', version: '1', path: paths.fixed! },
      { name: 'ints', version: '1', path: paths.ints! },
    ],
    maxBodyBytes: 200_000,
    bodyTimeoutMs: 500,
    log: (l) => logs.push(l),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });

const x = seeded(2 * 3 * 16 * 16, 11);
const convRequest = { id: 'r1', inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3, 16, 16], data: Array.from(x) }] };

describe('KServe v2 endpoints', () => {
  it('answers health, server and model metadata, readiness', async () => {
    expect(await (await fetch(`${server.url}/v2/health/live`)).json()).toEqual({ live: true });
    expect(await (await fetch(`${server.url}/v2/health/ready`)).json()).toEqual({ ready: true });
    const meta = (await (await fetch(`${server.url}/v2`)).json()) as { name: string; extensions: string[] };
    expect(meta.name).toBe('onnx-workbench');
    expect(meta.extensions).toContain('binary_tensor_data');
    const conv = (await (await fetch(`${server.url}/v2/models/conv`)).json()) as { outputs: unknown };
    expect(conv).toMatchObject({ name: 'conv', versions: ['1', '2'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 16, 16] }] });
    // The latest version unless one is named.
    expect(conv.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [-1, 4, 14, 14] }]);
    expect(((await (await fetch(`${server.url}/v2/models/conv/versions/1`)).json()) as { outputs: { shape: number[] }[] }).outputs[0]!.shape).toEqual([-1, 8, 14, 14]);
    expect(((await (await fetch(`${server.url}/v2/models/fixed`)).json()) as { parameters: unknown }).parameters).toEqual({ batchable: false, state: {} });
    expect(await (await fetch(`${server.url}/v2/models/conv/ready`)).json()).toEqual({ name: 'conv', ready: true });
    expect((await fetch(`${server.url}/v2/models/nope/ready`)).status).toBe(404);
  });

  it('infers over JSON as onnxruntime does, for the version asked', async () => {
    const r = await post('/v2/models/conv/versions/1/infer', convRequest);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { id: string; model_version: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
    expect(body.id).toBe('r1');
    expect(body.model_version).toBe('1');
    const want = await runDirect(paths.conv!, { x: new ort.Tensor('float32', x, [2, 3, 16, 16]) });
    expect(body.outputs[0]!.shape).toEqual([2, 8, 14, 14]);
    expect(Float32Array.from(body.outputs[0]!.data)).toEqual(want.y!.data);
  });

  it('takes and gives tensors with the binary data extension', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3, 16, 16], parameters: { binary_data_size: x.byteLength } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] }));
    const r = await post('/v2/models/conv/versions/1/infer', Buffer.concat([header, Buffer.from(x.buffer)]), { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) });
    expect(r.status).toBe(200);
    const n = Number(r.headers.get('inference-header-content-length'));
    const bytes = Buffer.from(await r.arrayBuffer());
    const head = JSON.parse(bytes.subarray(0, n).toString()) as { outputs: { shape: number[]; parameters: { binary_data_size: number } }[] };
    const size = head.outputs[0]!.parameters.binary_data_size;
    expect(size).toBe(2 * 8 * 14 * 14 * 4);
    const got = new Float32Array(bytes.buffer.slice(bytes.byteOffset + n, bytes.byteOffset + n + size));
    const want = await runDirect(paths.conv!, { x: new ort.Tensor('float32', x, [2, 3, 16, 16]) });
    expect(got).toEqual(want.y!.data);
  });

  it('runs int64 and float inputs together and returns only the outputs asked for', async () => {
    const r = await post('/v2/models/fixed/infer', {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [2, 3], data: [[1, 2, 3], [4, 5, 6]] },
        { name: 'k', datatype: 'INT64', shape: [2, 3], data: [1, -2, 3, 40, 5, 6] },
      ],
      outputs: [{ name: 'z' }],
    });
    const body = (await r.json()) as { outputs: { name: string; datatype: string; data: number[] }[] };
    expect(body.outputs).toEqual([{ name: 'z', datatype: 'INT64', shape: [2, 3], data: [2, -4, 6, 80, 10, 12] }]);
  });
});

describe('refusals: a clear 4xx, and the server stays up', () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['malformed JSON', '/v2/models/conv/infer', '{"inputs": [', 400, /not valid JSON/],
    ['no inputs', '/v2/models/conv/infer', { foo: 1 }, 400, /needs "inputs"/],
    ['an unknown input name', '/v2/models/conv/infer', { inputs: [{ name: 'q', datatype: 'FP32', shape: [1], data: [1] }] }, 400, /no input 'q'.*x/],
    ['a wrong datatype', '/v2/models/conv/infer', { inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 3, 16, 16], data: [] }] }, 400, /datatype INT32, but the model takes FP32/],
    ['a wrong rank', '/v2/models/conv/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 16, 16], data: [] }] }, 400, /rank 3, the model takes rank 4/],
    ['a wrong fixed dim', '/v2/models/conv/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4, 16, 16], data: [] }] }, 400, /dim 1 is 4, the model takes 3/],
    ['too few values', '/v2/models/conv/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 16, 16], data: [1, 2] }] }, 400, /2 values for a shape of 768/],
    ['a string for a number', '/v2/models/fixed/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 'x'] }, { name: 'k', datatype: 'INT64', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] }, 400, /value 5 is "x"/],
    ['a missing input', '/v2/models/fixed/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] }, 400, /needs input 'k'/],
    ['an unknown output', '/v2/models/fixed/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { name: 'k', datatype: 'INT64', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }], outputs: [{ name: 'w' }] }, 400, /no output 'w'/],
    ['an unknown model', '/v2/models/nope/infer', convRequest, 404, /no model named 'nope'/],
    ['an unknown version', '/v2/models/conv/versions/9/infer', convRequest, 404, /no version '9'/],
    ['streams of a model without state', '/v2/models/conv/streams', {}, 400, /no state inputs/],
    ['a body over the limit', '/v2/models/conv/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [100, 3, 16, 16], data: Array(76800).fill(0.123456) }] }, 413, /limit/],
  ];
  for (const [what, path, body, status, message] of cases) {
    it(`refuses ${what} (${status})`, async () => {
      const r = await post(path, body);
      expect(r.status).toBe(status);
      expect(((await r.json()) as { error: string }).error).toMatch(message);
      expect((await post('/v2/models/conv/versions/1/infer', convRequest)).status).toBe(200);
    });
  }

  describe('JSON integers outside their type', () => {
    // The limits of each type, which must come back exactly, and the first value past each.
    const limits: Record<keyof typeof INT_INPUTS, [number, number]> = { i8: [-128, 127], i16: [-32768, 32767], i32: [-(2 ** 31), 2 ** 31 - 1], u8: [0, 255], u16: [0, 65535], u32: [0, 2 ** 32 - 1], u64: [0, 2 ** 53] };
    const body = (values: Partial<Record<string, number[]>>) => ({
      inputs: Object.entries(INT_INPUTS).map(([name, datatype]) => ({ name, datatype, shape: [2], data: values[name] ?? limits[name as keyof typeof INT_INPUTS] })),
    });

    it('takes every value its type holds, up to the limits, and returns it unchanged', async () => {
      const r = await post('/v2/models/ints/infer', body({}));
      expect(r.status).toBe(200);
      const outputs = ((await r.json()) as { outputs: { name: string; data: number[] }[] }).outputs;
      for (const [name, want] of Object.entries(limits)) expect(outputs.find((o) => o.name === `${name}_out`)!.data, name).toEqual(want);
    });

    for (const [name, [lo, hi]] of Object.entries(limits)) {
      const type = INT_INPUTS[name as keyof typeof INT_INPUTS];
      // 2^53 + 1 is not a JSON number a client can send exactly; 2^64 is past UINT64 all the same.
      for (const bad of name === 'u64' ? [lo - 1, 2 ** 64] : [lo - 1, hi + 1]) {
        it(`refuses ${bad} for ${type} (400) naming the input and the value`, async () => {
          const r = await post('/v2/models/ints/infer', body({ [name]: [lo, bad] }));
          expect(r.status).toBe(400);
          expect(((await r.json()) as { error: string }).error).toBe(`input '${name}': value 1 (${bad}) is out of range for ${type} (${lo}..${name === 'u64' ? '18446744073709551615' : hi})`);
        });
      }
    }
  });

  it('refuses binary data that does not add up', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 16, 16], parameters: { binary_data_size: 100 } }] }));
    const r = await post('/v2/models/conv/infer', Buffer.concat([header, Buffer.alloc(100)]), { 'inference-header-content-length': String(header.length) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/100 bytes of binary data for 768 FP32 elements/);
  });

  it('answers a client that stops sending its body with 408', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(`POST /v2/models/conv/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"inputs": [`);
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => socket.end(), 3000);
    });
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect((await post('/v2/models/conv/versions/1/infer', convRequest)).status).toBe(200);
  });

  it('refuses a request target that is not a URL (400), on the runtime host and in the server, and nothing restarts', async () => {
    const ask = (head: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.write(head));
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        setTimeout(() => socket.end(), 2000);
      });
    for (const method of ['POST', 'GET']) {
      const answer = await ask(`${method} http://[::1/v2/models/conv/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1.1 400/);
      expect(answer).toMatch(/is not a valid URL/);
    }
    expect(server.snapshot().hostRestarts).toBe(0);
    expect((await post('/v2/models/conv/versions/1/infer', convRequest)).status).toBe(200);
  });

  it('refuses a wrong method', async () => {
    const r = await fetch(`${server.url}/v2/models/conv/infer`);
    expect(r.status).toBe(405);
  });
});

describe('async jobs', () => {
  it('returns an id at once; the result, waited for, equals the synchronous answer', async () => {
    const sub = await post('/v2/models/conv/versions/1/async-infer', convRequest);
    expect(sub.status).toBe(202);
    const { id, status_url } = (await sub.json()) as { id: string; status_url: string };
    const done = await fetch(`${server.url}${status_url}?wait_ms=20000`);
    expect(done.status).toBe(200);
    const sync = await (await post('/v2/models/conv/versions/1/infer', convRequest)).json();
    expect(((await done.json()) as { outputs: unknown }).outputs).toEqual((sync as { outputs: unknown }).outputs);
    expect((await fetch(`${server.url}/v2/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${server.url}/v2/jobs/${id}`)).status).toBe(404);
  });

  it('refuses a bad async request at once', async () => {
    const r = await post('/v2/models/conv/async-infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] });
    expect(r.status).toBe(400);
  });
});

describe('monitoring', () => {
  it('writes Prometheus metrics and JSON-line logs with request ids', async () => {
    await post('/v2/models/conv/versions/1/infer', convRequest, { 'x-request-id': 'trace-me' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^onnx_workbench_requests_total\{model="conv",status="200"\} \d+$/m);
    expect(text).toMatch(/^onnx_workbench_requests_total\{model="conv",status="400"\} \d+$/m);
    expect(text).toMatch(/^onnx_workbench_request_duration_seconds_bucket\{model="conv",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^onnx_workbench_batch_size_count\{model="conv"\} \d+$/m);
    expect(text).toMatch(/^onnx_workbench_queue_depth 0$/m);
    expect(text).toMatch(/^onnx_workbench_runtime_host_restarts_total 0$/m);
    const snap = server.snapshot();
    expect(snap.models.conv!.requests['200']).toBeGreaterThan(0);
    // Every answered inference is counted in each stage it went through.
    const answered = snap.models.conv!.batchSize.count;
    for (const stage of ['read', 'decode', 'queue', 'ipc', 'run', 'encode']) {
      expect(snap.models.conv!.stages[stage as 'read']!.count, stage).toBe(answered);
      expect(text).toMatch(new RegExp(`^onnx_workbench_stage_duration_seconds_count\\{model="conv",stage="${stage}"\\} \\d+$`, 'm'));
    }
    const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'trace-me');
    expect(line).toMatchObject({ event: 'request', status: 200, model: 'conv', path: '/v2/models/conv/versions/1/infer' });
  });
});

describe('stage timings', () => {
  it('tells each answer where its time went (Server-Timing), the run as long as onnxruntime says it was', async () => {
    const r = await post('/v2/models/conv/infer', convRequest);
    expect(r.status).toBe(200);
    const timing = r.headers.get('server-timing')!;
    const stages = new Map(timing.split(', ').map((e) => [e.split(';')[0]!, Number(/dur=([0-9.]+)/.exec(e)![1])]));
    expect([...stages.keys()]).toEqual(['read', 'decode', 'queue', 'ipc', 'run', 'encode', 'total']);
    const body = (await r.json()) as { parameters: { run_ms: number; queue_ms: number } };
    expect(stages.get('run')).toBeCloseTo(body.parameters.run_ms, 2);
    expect(stages.get('queue')).toBeCloseTo(body.parameters.queue_ms, 2);
    // The stages follow one another: together they are the total (rounded to 1 µs each).
    const sum = [...stages].filter(([k]) => k !== 'total').reduce((a, [, v]) => a + v, 0);
    expect(Math.abs(sum - stages.get('total')!)).toBeLessThan(0.05);
  });
});

describe('tokens', () => {
  it('needs the token when one is set, except for health checks', async () => {
    const guarded = await startModelServer({ models: [{ name: 'fixed', version: '1', path: paths.fixed! }], token: 'sesame', log: () => undefined });
    try {
      expect((await fetch(`${guarded.url}/v2/models/fixed`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/v2/models/fixed`, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
      expect((await fetch(`${guarded.url}/v2/models/fixed`, { headers: { authorization: 'Bearer sesame' } })).status).toBe(200);
      expect((await fetch(`${guarded.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  }, 60_000);
});
