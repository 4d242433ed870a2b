import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { buildViewGraph, prepareGraph } from '../../renderer/graph/view-graph.js';
import { heatOf, idsByName, topNodeIds } from '../../renderer/profile/heat-map.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import type { ProfileReport } from '../../shared/profile/report-schema.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';

// The heat map over a real profile: Conv + BatchNormalization + Relu profiled with onnxruntime's
// optimizer on, which runs them as one fused kernel; that kernel must heat every model node it
// computes, and "top 1" must select all of them (dist/ must be built: the runtime host runs it).

describe('heat map of a profile with fused kernels', () => {
  let dir: string;
  let service: WorkbenchService;
  let graph: GraphInfo;
  let report: ProfileReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heat-'));
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    service = new WorkbenchService({ settingsDir: dir });
    const { modelId } = await service.openPath(file);
    graph = await service.getGraph(modelId, []);
    const job = await service.startProfile({ modelId, options: { provider: 'cpu', runs: 3, warmup: 1, optimization: 'all', inputs: 'generated' } });
    await service.waitForJob(job.jobId);
    report = (await service.getProfile(job.jobId)).report!;
  }, 60_000);
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('colours every node a fused kernel computes, and nothing for inputs and outputs', () => {
    const fused = report.nodes.find((n) => n.originalNodes.includes('conv'))!;
    expect(fused.originalNodes.length).toBeGreaterThan(1);
    const view = buildViewGraph(prepareGraph(graph), new Set());
    const ids = idsByName(graph);
    const { heat, maxShare } = heatOf(view, ids, report);
    const boxOf = (name: string) => view.itemOfNode[view.prepared.nodeIndex.get(ids.get(name)!)!];
    // A node's share: every kernel computing it (a layout reorder beside a fused Conv counts with it).
    const shareOf = (name: string) => report.nodes.filter((n) => n.originalNodes.includes(name)).reduce((s, n) => s + n.share, 0);
    const hottest = Math.max(...graph.nodes.map((n) => shareOf(n.name)));
    expect(maxShare).toBeCloseTo(hottest, 6);
    for (const name of fused.originalNodes) {
      expect(heat[boxOf(name)]).toBeGreaterThan(0);
      expect(heat[boxOf(name)]).toBeCloseTo(shareOf(name) / hottest, 5);
    }
    view.items.forEach((item, i) => {
      if (item.kind === 'input' || item.kind === 'output') expect(heat[i]).toBeNaN();
    });
    // "Top 1" selects every node the slowest kernel computes. Which kernel is slowest on a tiny model
    // varies from run to run (a layout reorder can take longer), so the fused one is made slowest.
    const slowestMs = Math.max(...report.nodes.map((n) => n.typicalMs));
    const fusedSlowest = { ...report, nodes: report.nodes.map((n) => (n === fused ? { ...n, typicalMs: slowestMs * 2 } : n)) };
    const fusedIds = fused.originalNodes.map((n) => ids.get(n)!).sort();
    expect(topNodeIds(fusedSlowest, ids, 1).sort()).toEqual(fusedIds);
    // A slower kernel of a node this graph does not hold (one inside an If branch) is passed over.
    const hidden = { ...fused, name: 'inside-a-branch', originalNodes: ['branch/Softmax'], typicalMs: slowestMs * 10 };
    expect(topNodeIds({ ...fusedSlowest, nodes: [hidden, ...fusedSlowest.nodes] }, ids, 1).sort()).toEqual(fusedIds);
  });
});
