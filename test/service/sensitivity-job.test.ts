import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUANTIZE_SETTINGS, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// Sensitivity of a quantize step as a service job on a builder-made Conv + BatchNormalization +
// Relu model (dist/ must be built): the layer of the quantized Conv, worst first, against the
// float state before the step; refused without a quantize step.

const staticGenerated: QuantizeSettings = { ...DEFAULT_QUANTIZE_SETTINGS, mode: 'static', calibration: 'generated', samples: 4, runs: 2 };

describe('the sensitivity job in the service', () => {
  const m = useOpenedModel('sensitivity-job-', async (dir) => {
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    return file;
  });

  it('is refused while no quantize step is applied', async () => {
    await expect(m.service.startSensitivity({ modelId: m.modelId })).rejects.toThrow(/no step applied/);
  });

  it("measures the quantize step's layers against the float state before it", async () => {
    const q = await m.service.startQuantize({ modelId: m.modelId, settings: staticGenerated });
    expect((await m.service.waitForJob(q.jobId)).state).toBe('done');
    await m.service.waitForJob((await m.service.getQuantize(q.jobId)).edit!.step!.verification.jobId!);
    const job = await m.service.startSensitivity({ modelId: m.modelId });
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    const r = await m.service.getSensitivity(job.jobId);
    expect(r.step).toBe(1);
    const layers = r.report!.layers;
    expect(layers.length).toBeGreaterThan(0);
    // The float state's BatchNormalization output is computed by the quantized state's Conv (the
    // step's preprocessing folded it): the layer names the node the graph shows now.
    expect(layers.map((l) => l.node).sort()).toEqual(['bn', 'relu']);
    const graph = await m.service.getGraph(m.modelId, []);
    const opOf = (name: string) => graph.nodes.find((n) => n.name === name)?.opType;
    expect(opOf(layers.find((l) => l.node === 'bn')!.quantNode)).toBe('Conv');
    expect(opOf(layers.find((l) => l.node === 'relu')!.quantNode)).toBe('Relu');
    for (let i = 1; i < layers.length; i++) expect(layers[i]!.sqnrDb).toBeGreaterThanOrEqual(layers[i - 1]!.sqnrDb);
    for (const l of layers) expect(l.sqnrDb).toBeGreaterThan(10);
    expect(r.report!.samples).toBeGreaterThan(0);
    expect(await readdir(join(m.dir, 'tmp'))).toEqual([]);
  });
});
