import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { buildViewGraph, prepareGraph } from '../../renderer/graph/view-graph.js';
import { idsByName } from '../../renderer/profile/heat-map.js';
import { badness, sensitivityHeat, sqnrColor, sqnrText, worstNodes } from '../../renderer/quantize/sensitivity-heat.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import type { AppSensitivityReport } from '../../shared/protocol/quantize-api.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';

// The graph coloured by SQNR and "keep the worst K": the layers of a report placed on the boxes
// of the nodes computing them (the Conv + BatchNormalization + Relu model's graph as the service
// gives it), hotter for lower SQNR; the worst K as the distinct nodes exclude takes.

const layer = (node: string, quantNode: string, sqnrDb: number) => ({ node, quantNode, opType: 'Conv', tensor: `${node}_out`, sqnrDb, cosine: 0.99, maxAbsError: 0.1 });

describe('sensitivity on the graph', () => {
  let dir: string;
  let service: WorkbenchService;
  let graph: GraphInfo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sens-heat-'));
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    service = new WorkbenchService({ settingsDir: dir });
    graph = await service.getGraph((await service.openPath(file)).modelId, []);
  });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('heats each box by its worst layer (0 dB hottest, 40 dB and equal outputs cold); boxes with no layer stay unmeasured', () => {
    const report: AppSensitivityReport = { samples: 2, layers: [layer('bn', 'conv', 10), layer('c2', 'conv', 30), layer('relu', 'relu', Infinity)] };
    const view = buildViewGraph(prepareGraph(graph), new Set());
    const ids = idsByName(graph);
    const heat = sensitivityHeat(view, ids, report);
    const boxOf = (name: string) => view.itemOfNode[view.prepared.nodeIndex.get(ids.get(name)!)!]!;
    expect(heat[boxOf('conv')]).toBeCloseTo(0.75, 6);
    expect(heat[boxOf('relu')]).toBe(0);
    expect(Number.isNaN(heat[boxOf('bn')]!)).toBe(true);
    expect([badness(-3), badness(0), badness(20), badness(45), badness(Infinity)]).toEqual([1, 1, 0.5, 0, 0]);
    expect(sqnrColor(0)).not.toBe(sqnrColor(40));
  });

  it('the worst K are the distinct nodes computing the K lowest-SQNR layers', () => {
    const report: AppSensitivityReport = { samples: 1, layers: [layer('a', 'n1', 5), layer('b', 'n1', 8), layer('c', 'n2', 12), layer('d', 'n3', Infinity)] };
    expect(worstNodes(report, 2)).toEqual(['n1']);
    expect(worstNodes(report, 3)).toEqual(['n1', 'n2']);
    expect(worstNodes(report, 10)).toEqual(['n1', 'n2']);
    // An error where the float value is all zeros (−∞ dB) is the worst of all, and drawn so.
    const zeros: AppSensitivityReport = { samples: 1, layers: [layer('z', 'n4', -Infinity), ...report.layers] };
    expect(worstNodes(zeros, 2)).toEqual(['n4', 'n1']);
    expect([sqnrText(-Infinity), sqnrText(Infinity), sqnrText(12.34)]).toEqual(['−∞', '∞', '12.3 dB']);
    expect(sqnrColor(-Infinity)).toBe(sqnrColor(0));
    expect(sqnrColor(Infinity)).toBe(sqnrColor(40));
  });
});
