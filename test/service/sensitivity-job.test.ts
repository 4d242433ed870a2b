import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { DEFAULT_QUANTIZE_SETTINGS, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { writeConvBnRelu } from './conv-bn-model.js';

// Sensitivity of a quantize step as a service job on a builder-made Conv + BatchNormalization +
// Relu model (dist/ must be built): the layer of the quantized Conv, worst first, against the
// float state before the step; refused without a quantize step.

const staticGenerated: QuantizeSettings = { ...DEFAULT_QUANTIZE_SETTINGS, mode: 'static', calibration: 'generated', samples: 4, runs: 2 };

describe('the sensitivity job in the service', () => {
  let dir: string;
  let service: WorkbenchService;
  let modelId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sensitivity-job-'));
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    await mkdir(join(dir, 'tmp'));
    service = new WorkbenchService({ settingsDir: dir, tempDir: join(dir, 'tmp') });
    modelId = (await service.openPath(file)).modelId;
  });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused while no quantize step is applied', async () => {
    await expect(service.startSensitivity({ modelId })).rejects.toThrow(/no step applied/);
  });

  it("measures the quantize step's layers against the float state before it", async () => {
    const q = await service.startQuantize({ modelId, settings: staticGenerated });
    expect((await service.waitForJob(q.jobId)).state).toBe('done');
    await service.waitForJob((await service.getQuantize(q.jobId)).edit!.step!.verification.jobId!);
    const job = await service.startSensitivity({ modelId });
    const ended = await service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    const r = await service.getSensitivity(job.jobId);
    expect(r.step).toBe(1);
    const layers = r.report!.layers;
    expect(layers.length).toBeGreaterThan(0);
    // The float state's BatchNormalization output is computed by the quantized state's Conv (the
    // step's preprocessing folded it): the layer names the node the graph shows now.
    expect(layers.map((l) => l.node).sort()).toEqual(['bn', 'relu']);
    const graph = await service.getGraph(modelId, []);
    const opOf = (name: string) => graph.nodes.find((n) => n.name === name)?.opType;
    expect(opOf(layers.find((l) => l.node === 'bn')!.quantNode)).toBe('Conv');
    expect(opOf(layers.find((l) => l.node === 'relu')!.quantNode)).toBe('Relu');
    for (let i = 1; i < layers.length; i++) expect(layers[i]!.sqnrDb).toBeGreaterThanOrEqual(layers[i - 1]!.sqnrDb);
    for (const l of layers) expect(l.sqnrDb).toBeGreaterThan(10);
    expect(r.report!.samples).toBeGreaterThan(0);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });
});
