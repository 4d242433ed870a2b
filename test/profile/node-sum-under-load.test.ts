import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileModel } from '../../electron/profile/profile-model.js';
import { DEFAULT_OPTIONS } from '../../electron/profile/profile-options.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { SUM_TOLERANCE } from '../../shared/profile/typical-runs.js';
import { ensureHostBuilt, residualConvNet, writeTemp } from './fixtures.js';

// The case: a CNN profiled with the default threads (one per core) while two busy
// processes load the cores. Workers get descheduled, each kernel's time turns bimodal and the
// kernels' medians add up to much less than a run; the per-node figures must still add up to
// the median run. The figures are means over the middle half of the runs, scaled to the median
// run, so the sum holds by construction; what is measured here is that nothing else (time
// outside kernels and their launches) breaks it on a real onnxruntime trace.

const host = new RuntimeHost();
let model = '';

beforeAll(() => {
  ensureHostBuilt();
  model = writeTemp(mkdtempSync(join(tmpdir(), 'owb-node-sum-')), 'resnet-like.onnx', residualConvNet(3, 32, 56));
});
afterAll(() => host.close());

/** Two processes that spin until killed: as many busy threads as this machine's two cores. */
function busy(): ChildProcess[] {
  return [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe('per-node times under load', () => {
  it('add up to within 10% of the median run with the default threads while two busy processes run', async () => {
    const children = busy();
    try {
      const r = await profileModel(model, { ...DEFAULT_OPTIONS, runs: 15, warmup: 3 }, host);
      const s = r.nodeSum;
      const launches = r.nodes.reduce((a, n) => a + n.typicalLaunchMs, 0);
      const medians = r.kernelMedianSumMs + r.nodes.reduce((a, n) => a + n.launchMs, 0);
      const facts = `${cpus().length} cores: per-node times ${s.totalMs.toFixed(2)} ms (kernels ${s.kernelMs.toFixed(2)} + launches ${s.launchMs.toFixed(2)}, ${s.typicalRuns} typical runs) vs median run ${s.runMedianMs.toFixed(2)} ms; kernel and launch medians ${medians.toFixed(2)} ms`;
      console.info(facts);
      expect(r.threads.intraOp).toBeNull();
      // Kernels of about a millisecond: the case where descheduling shows in kernel times.
      expect(r.nodes[0]!.typicalMs, facts).toBeGreaterThan(0.3);
      expect(s.runMedianMs).toBe(r.endToEnd.tracedMedianMs);
      expect(s.kernelMs).toBeCloseTo(r.kernelSumMs, 9);
      expect(s.kernelMs).toBeCloseTo(r.nodes.reduce((a, n) => a + n.typicalMs, 0), 9);
      expect(s.launchMs).toBeCloseTo(launches, 9);
      expect(Math.abs(s.difference), facts).toBeLessThanOrEqual(SUM_TOLERANCE);
      expect(s.addsUp).toBe(true);
      expect(s.warning).toBeUndefined();
      // The spread over all runs stays beside the figure that adds up.
      for (const n of r.nodes) {
        expect(n.minMs).toBeLessThanOrEqual(n.medianMs);
        expect(n.medianMs).toBeLessThanOrEqual(n.p90Ms);
        expect(n.p90Ms).toBeLessThanOrEqual(n.maxMs);
      }
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  }, 180_000);
});
