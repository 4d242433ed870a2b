import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElemType, graph, model as builtModel, modelBytes, node, valueInfo } from '../../shared/builder/index.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import { PROFILE_CSV_COLUMNS } from '../../shared/profile/report-csv.js';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import { convNet, ensureHostBuilt, RESULTS, ROOT, writeTemp } from './fixtures.js';

// The `profile` and `compare` commands end to end: reports and their schema, exit codes for bad
// input (2) and failed runs (1), and the HTML report in Chromium.

const bin = join(ROOT, 'bin/onnx-workbench.js');
const dir = mkdtempSync(join(tmpdir(), 'owb-cli-profile-'));
const QUICK = ['--runs', '3', '--warmup', '1', '--threads', '1'];
let model = '';

function cli(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The user-facing error: exactly one line. */
function oneLine(err: string): string {
  const lines = err.trim().split('\n').filter((l) => l.startsWith('onnx-workbench:'));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

beforeAll(() => {
  ensureHostBuilt();
  model = writeTemp(dir, 'convnet.onnx', convNet());
});

describe('onnx-workbench profile', () => {
  const out = (name: string) => join(dir, name);

  it('prints the top nodes and latency, progress on stderr, and writes JSON, CSV, HTML and Netron reports', () => {
    const r = cli(['profile', model, ...QUICK, '--dim', 'batch=2', '--json', out('p.json'), '--csv', out('p.csv'), '--html', out('p.html'), '--netron', out('p.netron.json')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ *# +kernel +op type +provider +ms +median ms +p90 ms +share +model nodes/);
    expect(r.out).toMatch(/traced run median [\d.]+ ms; per-node times sum to [\d.]+ ms \(kernels [\d.]+ \+ launching them [\d.]+; [+−][\d.]+% of the run, [\d.]+ ms of a run outside any kernel; means over the middle 3 of 3 runs/);
    expect(r.out).toMatch(/end to end: median [\d.]+ ms, p90 [\d.]+ ms/);
    expect(r.err).toMatch(/warming up: 1\/4 runs \(convnet\.onnx\)/);
    expect(r.err).toMatch(/measuring: 4\/4 runs/);

    const report = JSON.parse(readFileSync(out('p.json'), 'utf8')) as ProfileReport;
    expect(report).toMatchObject({ schema: 'onnx-workbench.profile', schemaVersion: 1, model, provider: { requested: 'cpu', used: 'cpu', fallback: false }, optimization: 'all', runs: 3, warmup: 1 });
    expect(report.inputs).toEqual([{ name: 'x', type: 'float', shape: [2, 8, 16, 16], source: 'random' }]);
    for (const k of ['medianMs', 'p90Ms', 'withProfilerMedianMs', 'tracedMedianMs'] as const) expect(report.endToEnd[k]).toBeGreaterThan(0);
    expect(report.unattributedMs).toBe(0);
    for (const n of report.nodes) {
      expect(Object.keys(n)).toEqual(expect.arrayContaining(['name', 'opType', 'provider', 'medianMs', 'p90Ms', 'share', 'originalNodes']));
      expect(n.p90Ms).toBeGreaterThanOrEqual(n.medianMs);
    }
    expect(report.nodes.reduce((a, n) => a + n.share, 0)).toBeCloseTo(1, 6);
    // The table's figures (typicalMs) add up to kernelSumMs, and with the launches to nodeSum, beside the run's median.
    expect(report.nodes.reduce((a, n) => a + n.typicalMs, 0)).toBeCloseTo(report.kernelSumMs, 9);
    expect(report.kernelMedianSumMs).toBeCloseTo(report.nodes.reduce((a, n) => a + n.medianMs, 0), 9);
    expect(report.nodeSum).toMatchObject({ kernelMs: report.kernelSumMs, runMedianMs: report.endToEnd.tracedMedianMs, typicalRuns: 3 });
    expect(report.nodeSum.totalMs).toBeCloseTo(report.kernelSumMs + report.nodes.reduce((a, n) => a + n.typicalLaunchMs, 0), 9);
    expect(report.nodeSum.addsUp).toBe(Math.abs(report.nodeSum.difference) <= 0.1);
    // The flag is a warning line on stderr, there exactly when the JSON says the figures do not add up.
    expect(/^warning: the per-node times add up to /m.test(r.err)).toBe(!report.nodeSum.addsUp);
    // onnxruntime fuses Conv+BN+Relu: one kernel for the three nodes the user sees.
    expect(report.nodes.map((n) => n.originalNodes.join('+'))).toContain('conv1+bn1+relu1');
    expect(report.byOpType.map((a) => a.key)).toContain('Conv');
    expect(report.byProvider).toEqual([expect.objectContaining({ key: 'CPUExecutionProvider', kernels: report.nodes.length })]);

    const csv = readFileSync(out('p.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe(PROFILE_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(report.nodes.length + 1);
    expect(csv[1]!.split(',')[1]).toBe(report.nodes[0]!.name);

    const netron = JSON.parse(readFileSync(out('p.netron.json'), 'utf8')) as { signature: string; metrics: { kind: string; target: string; name: string; value: number }[] };
    expect(netron.signature).toBe('netron:attachment');
    const conv1 = netron.metrics.filter((m) => m.kind === 'node' && m.target === 'conv1');
    expect(conv1.map((m) => m.name)).toEqual(['kernel time, fused group (ms)', 'p90 (ms)', 'share']);
    expect(netron.metrics.find((m) => m.kind === 'model')!.target).toBe('');
  });

  it('runs with the optimizer off, kernels one to one with the nodes, and --json - prints the report', () => {
    const r = cli(['profile', model, ...QUICK, '--optimization', 'disabled', '--fill', 'ones', '--json', '-']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as ProfileReport;
    expect(report.nodes.map((n) => n.name).sort()).toEqual(['add2', 'bn1', 'conv1', 'conv2', 'fc', 'flatten', 'pool', 'relu1', 'relu2', 'softmax']);
    for (const n of report.nodes) expect(n.originalNodes).toEqual([n.name]);
    expect(report.inputs[0]).toMatchObject({ shape: [1, 8, 16, 16], source: 'ones' });
  });

  it('takes inputs from .npy files', () => {
    const inputs = join(dir, 'inputs');
    mkdirSync(inputs, { recursive: true });
    writeFileSync(join(inputs, 'x.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [3, 8, 16, 16], data: new Float32Array(3 * 8 * 256).fill(0.5) }));
    const r = cli(['profile', model, ...QUICK, '--inputs', inputs, '--json', '-']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as ProfileReport).inputs).toEqual([{ name: 'x', type: 'float', shape: [3, 8, 16, 16], source: 'x.npy' }]);
  });

  it('bad input is one line and exit code 2', () => {
    const bad = join(dir, 'bad-inputs');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'x.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 3, 16, 16], data: new Float32Array(768) }));
    const cases: [string[], RegExp][] = [
      [['profile', model, '--inputs', bad], /x\.npy: input 'x' has shape \[batch, 8, 16, 16\], the file holds \[1, 3, 16, 16\] \(axis 1\)/],
      [['profile', model, '--ep', 'cuda'], /--ep cuda: cuda provider cannot start.*--allow-fallback runs on CPU instead/],
      [['profile', model, '--optimization', 'most'], /--optimization must be one of disabled, basic, extended, all/],
      [['profile', model, '--dim', 'height=4'], /dim 'height' is not a symbolic dim of any input/],
      [['profile', join(dir, 'missing.onnx')], /missing\.onnx/],
      [['profile', writeTemp(dir, 'unknown-op.onnx', unknownOpModel())], /unknown-op\.onnx: onnxruntime cannot load it/],
      [['compare', model], /compare needs two models/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(oneLine(r.err)).toMatch(message);
    }
  });

  it('falls back to CPU only when allowed, and says so', () => {
    const r = cli(['profile', model, ...QUICK, '--ep', 'tensorrt', '--trt-fp16', '--allow-fallback', '--json', '-']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/note: tensorrt is not available here, running on CPU \(--allow-fallback\)/);
    expect((JSON.parse(r.out) as ProfileReport).provider).toMatchObject({ requested: 'tensorrt', used: 'cpu', fallback: true, reason: expect.stringMatching(/tensorrt/) });
  });

  it('Ctrl+C cancels a long job: one line, exit code 1, no host left behind', async () => {
    const child = spawn(process.execPath, [bin, 'profile', model, '--runs', '100000', '--threads', '1'], { cwd: ROOT });
    let err = '';
    child.stderr.setEncoding('utf8');
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: string) => {
        err += d;
        if (/measuring: /.test(err) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(1);
    expect(oneLine(err)).toMatch(/^onnx-workbench: cancelled while measuring convnet\.onnx$/);
  });

  it('a host that crashes mid-run is one line and exit code 1', () => {
    const r = cli(['profile', model, ...QUICK], { ONNX_WORKBENCH_HOST_TEST: '1', ONNX_WORKBENCH_HOST_FAULT: 'abort' });
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toMatch(/^onnx-workbench: runtime host crashed \(SIGABRT\) while warming up \(convnet\.onnx\); the next request starts a new host$/);
  });
});

/** A model with an operator onnxruntime does not know: it opens here, onnxruntime refuses it. */
function unknownOpModel(): Uint8Array {
  return modelBytes(
    builtModel(
      graph({
        nodes: [node('NoSuchOp', ['x'], ['y'], {}, { name: 'mystery' })],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 4])],
      }),
    ),
  );
}

describe('onnx-workbench compare', () => {
  let optimized = '';
  beforeAll(() => {
    optimized = join(dir, 'convnet.opt.onnx');
    const r = cli(['optimize', model, '-o', optimized]);
    expect(r.code, r.err).toBe(0);
  });

  it('compares a model with its optimize output: layers by provenance, latency verdict, outputs, structure', () => {
    const r = cli(['compare', model, optimized, ...QUICK, '--dim', 'batch=2', '--json', join(dir, 'c.json'), '--csv', join(dir, 'c.csv'), '--html', join(dir, 'c.html')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^latency: A [\d.]+ ms, B [\d.]+ ms: (within noise|B is [\d.]+% (faster|slower) than A) \(b\/a = [\d.]+, p = /);
    const c = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as CompareReport;
    expect(c.schema).toBe('onnx-workbench.compare');
    expect(c.a.endToEnd.medianMs).toBeGreaterThan(0);
    expect(c.b.endToEnd.medianMs).toBeGreaterThan(0);
    expect(c.latencyRatio).toBeCloseTo(c.b.endToEnd.medianMs / c.a.endToEnd.medianMs, 9);
    expect(c.ratioSpread.p10).toBeLessThanOrEqual(c.ratioSpread.p90);
    expect(typeof c.withinNoise).toBe('boolean');
    expect(c.outputs).toHaveLength(1);
    expect(c.outputs[0]).toMatchObject({ name: 'prob', top1Agreement: 1 });
    expect(c.outputs[0]!.maxAbsError).toBeLessThan(1e-4);
    expect(c.outputs[0]!.cosine).toBeGreaterThan(0.99999);
    // Our optimizer folds bn1 into conv1 and says so in the file; both sides' kernel time lands in one row.
    const row = c.layers.find((l) => l.aNodes.includes('bn1'))!;
    expect(row.bNodes).toContain('conv1');
    expect(row.match).toBe('provenance');
    expect(row.aMs).toBeGreaterThan(0);
    expect(row.bMs).toBeGreaterThan(0);
    expect(c.layers.reduce((s, l) => s + l.aMs, 0)).toBeCloseTo(c.a.kernelSumMs, 6);
    expect(c.layers.reduce((s, l) => s + l.bMs, 0)).toBeCloseTo(c.b.kernelSumMs, 6);
    // Launch times land in the rows of their kernels: a fusion saves the launch of what it removed.
    expect(c.layers.reduce((s, l) => s + l.aLaunchMs, 0)).toBeCloseTo(c.a.nodeSum.launchMs, 6);
    expect(c.layers.reduce((s, l) => s + l.bLaunchMs, 0)).toBeCloseTo(c.b.nodeSum.launchMs, 6);
    expect(c.structure.fused).toEqual(['bn1']);
    expect(c.structure.changed).toEqual(['conv1']);
    expect(c.structure.removed).toEqual([]);
    expect(c.structure.nodesB).toBeLessThan(c.structure.nodesA);
    expect(c.structure.fileSizeA).toBe(readFileSync(model).length);
    expect(readFileSync(join(dir, 'c.csv'), 'utf8').split('\r\n')[0]).toBe('rank,aNodes,bNodes,aMs,bMs,deltaMs,match');
  });

  it('refuses a B whose inputs do not fit A\'s', () => {
    const r = cli(['compare', model, join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/model B \(silero_vad_legacy\.onnx\) needs input '.+', which model A does not have/);
  });
});

describe('the HTML report in Chromium', () => {
  const CHROMIUM = '/usr/bin/chromium';
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => browser?.close());

  it.skipIf(!existsSync(CHROMIUM)).each([
    ['profile', 'p.html', 2],
    ['compare', 'c.html', 5],
  ] as const)('the %s report opens without errors or network and draws its charts', async (kind, file, charts) => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && problems.push(`request to ${r.url()}`));
    await page.goto(`file://${join(dir, file)}`);
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(charts);
    expect(await page.locator('svg rect').count()).toBeGreaterThan(5);
    // The tables sort by a click on a header.
    const firstTable = page.locator('table.sortable').first();
    await firstTable.locator('th').nth(1).click();
    expect(await firstTable.locator('th[aria-sort]').count()).toBe(1);
    if (kind === 'profile') expect(await page.locator('th', { hasText: 'launch ms' }).count()).toBe(1);
    // The node table's sum beside the run's median (for compare, one per side), flagged when they differ by over 10%.
    const report = JSON.parse(readFileSync(join(dir, kind === 'profile' ? 'p.json' : 'c.json'), 'utf8')) as ProfileReport | CompareReport;
    const sides = 'a' in report ? [report.a, report.b] : [report];
    expect(await page.locator('dt', { hasText: 'per-node sum' }).count()).toBe(sides.length);
    const sum = page.locator('dd', { hasText: /ms \(kernels .* vs a traced run of .* ms median/ });
    expect(await sum.first().textContent()).toContain(sides[0]!.nodeSum.addsUp ? ', adds up' : ', does not add up');
    expect(await page.locator('.node-sum-warning').count()).toBe(sides.filter((s) => !s.nodeSum.addsUp).length);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `${kind}-report.png`), fullPage: false });
    expect(problems).toEqual([]);
    await page.close();
  });
});
