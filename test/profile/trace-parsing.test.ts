import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { attributeTrace } from '../../shared/profile/attribution.js';
import { indexGraph } from '../../shared/profile/graph-index.js';
import { parseTrace } from '../../shared/profile/trace.js';
import { convNet, ifModel } from './fixtures.js';

// Real traces: onnxruntime profiles builder-made models here, and the parser reads what it wrote.

async function profileRuns(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, runs: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'owb-trace-'));
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'disabled',
    enableProfiling: true,
    profileFilePrefix: join(dir, 'p'),
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return readFileSync(join(dir, file), 'utf8');
}

describe('onnxruntime trace parsing', () => {
  it('reads one kernel event per node and run, with op types, provider, shapes and memory figures', async () => {
    const x = new ort.Tensor('float32', new Float32Array(2 * 8 * 16 * 16).fill(0.25), [2, 8, 16, 16]);
    const trace = parseTrace(await profileRuns(convNet(), { x }, 3));
    expect(trace.runs).toHaveLength(3);
    const names = decodeModel(convNet()).graph!.node!.map((n) => n.name);
    for (let r = 0; r < 3; r++) expect(trace.kernels.filter((k) => k.run === r).map((k) => k.name).sort()).toEqual([...names].sort());
    const conv = trace.kernels.find((k) => k.name === 'conv1')!;
    expect(conv).toMatchObject({ opType: 'Conv', provider: 'CPUExecutionProvider', nodeIndex: 0 });
    expect(conv.inputShapes[0]).toBe('float[2,8,16,16]');
    expect(conv.outputShapes).toEqual(['float[2,16,16,16]']);
    expect(conv.memory.outputBytes).toBe(2 * 16 * 16 * 16 * 4);
    expect(conv.selfDur).toBe(conv.dur);
    // Kernels run inside their run's span.
    for (const k of trace.kernels) expect(k.ts).toBeGreaterThanOrEqual(trace.runs[k.run]!.ts);
  });

  it('subtracts the kernels a subgraph runs from the If that runs them', async () => {
    const feeds = { cond: new ort.Tensor('bool', Uint8Array.from([1]), []), x: new ort.Tensor('float32', new Float32Array(64).fill(-1), [1, 64]) };
    const trace = parseTrace(await profileRuns(ifModel(), feeds, 2));
    const run0 = trace.kernels.filter((k) => k.run === 0);
    const branch = run0.find((k) => k.name === 'branch')!;
    const inner = run0.filter((k) => k.name === 'then_relu' || k.name === 'then_mul');
    expect(inner).toHaveLength(2);
    expect(run0.some((k) => k.name === 'else_neg')).toBe(false);
    for (const k of inner) expect(k.ts >= branch.ts && k.ts + k.dur <= branch.ts + branch.dur).toBe(true);
    expect(branch.selfDur).toBeCloseTo(branch.dur - inner.reduce((a, k) => a + k.dur, 0), 6);
    // Attribution maps subgraph kernels to the subgraph's nodes and never counts them twice.
    const a = attributeTrace(trace, 0, indexGraph(decodeModel(ifModel()).graph!), null);
    expect(a.summary.coverage).toBe(1);
    expect(a.nodes.find((n) => n.name === 'then_mul')!.originalNodes).toEqual(['then_mul']);
    expect(a.summary.nodesWithoutKernel).toEqual(['else_neg']);
    const spans = trace.runs.map((r) => r.dur / 1000).sort((p, q) => p - q);
    expect(a.kernelSumMs).toBeLessThanOrEqual(spans[spans.length - 1]! * 1.0001);
  });

  it('accepts the {traceEvents: [...]} wrapping and refuses what is not a trace', () => {
    const events = [
      { cat: 'Session', name: 'model_run', ph: 'X', ts: 0, dur: 100 },
      { cat: 'Node', name: 'a_kernel_time', ph: 'X', ts: 10, dur: 50, args: { op_name: 'Relu', provider: 'CPUExecutionProvider' } },
      { cat: 'Node', name: 'a_fence_before', ph: 'X', ts: 9, dur: 0 },
    ];
    const t = parseTrace(JSON.stringify({ traceEvents: events }));
    expect(t.kernels.map((k) => [k.name, k.run])).toEqual([['a', 0]]);
    expect(() => parseTrace('{"nope": 1}', 'trace.json')).toThrow(/trace\.json: not a Chrome trace/);
    expect(() => parseTrace('[{', 'trace.json')).toThrow(/trace\.json: not JSON/);
  });

  it("measures each top-level kernel's launch time from the end of the kernel before it in its run", () => {
    const k = (name: string, ts: number, dur: number, tid = 1) => ({ cat: 'Node', name: `${name}_kernel_time`, ph: 'X', ts, dur, tid, args: { op_name: 'Op' } });
    const events = [
      { cat: 'Session', name: 'model_run', ph: 'X', ts: 0, dur: 100 },
      k('a', 10, 20), // first of its run: 0
      k('b', 35, 10), // 5 after a
      k('if', 50, 40), // 5 after b
      k('inner', 60, 10), // nested in the If: 0 (the If's self time holds it)
      k('c', 93, 2), // 3 after the If
      { cat: 'Session', name: 'model_run', ph: 'X', ts: 200, dur: 50 },
      k('a', 207, 20), // first of the next run: 0
      k('b', 231, 10),
    ];
    const t = parseTrace(JSON.stringify(events));
    expect(t.kernels.map((e) => [e.name, e.run, e.launchDur])).toEqual([
      ['a', 0, 0],
      ['b', 0, 5],
      ['if', 0, 5],
      ['inner', 0, 0],
      ['c', 0, 3],
      ['a', 1, 0],
      ['b', 1, 4],
    ]);
  });

  it('reports launch times on a real trace: kernels plus launches stay inside the run', async () => {
    const x = new ort.Tensor('float32', new Float32Array(2 * 8 * 16 * 16).fill(0.25), [2, 8, 16, 16]);
    const trace = parseTrace(await profileRuns(convNet(), { x }, 5));
    const a = attributeTrace(trace, 1, indexGraph(decodeModel(convNet()).graph!), null);
    expect(a.summary.launchMs).toBeGreaterThan(0);
    expect(a.nodes.every((n) => n.launchMs >= 0)).toBe(true);
    const longest = Math.max(...trace.runs.slice(1).map((r) => r.dur / 1000));
    expect(a.summary.kernelMs + a.summary.launchMs).toBeLessThanOrEqual(longest * 1.0001);
  });
});
