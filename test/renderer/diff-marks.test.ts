import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { DIFF_ADDED, DIFF_CHANGED } from '../../renderer/graph/highlights.js';
import { buildViewGraph, prepareGraph } from '../../renderer/graph/view-graph.js';
import { diffMarksOf } from '../../renderer/profile/diff-marks.js';
import { idsByName } from '../../renderer/profile/heat-map.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';

// A comparison's graph diff marked on the graph shown: after fusing BatchNormalization into the
// Conv, comparing with the original marks the Conv changed and nothing else (dist/ must be built:
// the runtime host runs the comparison).

describe('graph diff marks of a comparison', () => {
  let dir: string | undefined;
  let service: WorkbenchService | undefined;
  afterAll(async () => {
    await service?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('marks the fused Conv changed, and no box added', async () => {
    dir = await mkdtemp(join(tmpdir(), 'diff-marks-'));
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    service = new WorkbenchService({ settingsDir: dir });
    const { modelId } = await service.openPath(file);
    const { version } = await service.getHistory(modelId);
    await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version, verify: false });
    const job = await service.startCompare({ modelId, against: 'original', options: { provider: 'cpu', runs: 3, warmup: 1, optimization: 'disabled', inputs: 'generated' } });
    await service.waitForJob(job.jobId);
    const report = (await service.getCompare(job.jobId)).report!;
    expect(report.structure.changed).toEqual(['conv']);

    const graph = await service.getGraph(modelId, []);
    const view = buildViewGraph(prepareGraph(graph), new Set());
    const ids = idsByName(graph);
    const marks = diffMarksOf(view, ids, report);
    const boxOf = (name: string) => view.itemOfNode[view.prepared.nodeIndex.get(ids.get(name)!)!]!;
    expect(marks[boxOf('conv')]).toBe(DIFF_CHANGED);
    expect(marks[boxOf('relu')]).toBe(0);
    expect([...marks].filter((m) => m === DIFF_CHANGED)).toHaveLength(1);
    expect([...marks].filter((m) => m === DIFF_ADDED)).toHaveLength(0);
  }, 60_000);
});
