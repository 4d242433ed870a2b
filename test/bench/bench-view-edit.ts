import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphInfo } from '../../electron/service/graph-info.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, dryRunOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { graphPart, graphPartCount } from '../../shared/protocol/graph-parts.js';
import type { EditResult, HistoryStep, OperationList, OperationPreview } from '../../shared/protocol/operations-api.js';
import { toJson } from '../../shared/protocol/wire.js';
import { graphChanges } from '../../shared/protocol/graph-changes.js';
import { inferShapes } from '../../shared/shape/index.js';
import { operationInfo } from '../../shared/operations/operation-info.js';

// The edit rows of the view benchmark: a fusion run here on the benchmark's model with the
// registry the service uses, and its answers (list, preview, apply with the journal's diff,
// history, the graph's changes, and the edited graph in parts for a full read) written beside the model's, so the page applies it
// through its own panels and transport and the time covers the renderer's update alone.

/** The fusion the decoders hold (GELU written out op by op, in every layer). */
export const BENCH_FUSION = 'ort-fuse-gelu';

export interface BenchEdit {
  operation: string;
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  removed: number;
  added: number;
}

const ok = (result: unknown) => toJson({ ok: true, result });

function graphOf(ir: IrModel, infer: boolean): GraphInfo {
  const inference = infer ? inferShapes(ir) : undefined;
  return graphInfo(ir.graph, [], inference ? (g, v) => inference.typeOf(g, v) : undefined);
}

/**
 * Applies BENCH_FUSION to the whole model and writes `<name>.{listOperations,previewOperation,
 * applyOperation,getHistory}.json` and `<name>.edited.getGraphPart.<part>.json`. The node ids
 * must be those of the graph the page opened (`opened`), or the diff would name other nodes.
 */
export async function writeEditAnswers(dir: string, name: string, proto: ModelProto, opened: GraphInfo, infer: boolean): Promise<BenchEdit> {
  const ir = new IrModel(proto);
  const before = graphOf(ir, false);
  if (before.nodes.length !== opened.nodes.length || before.nodes.some((n, i) => n.id !== opened.nodes[i]!.id)) {
    throw new Error(`bench:view: node ids of ${name} differ between two reads of the same model`);
  }
  const registry = defaultOperations();
  const op = registry.get(BENCH_FUSION);
  const resolved = resolveOperation(registry, ir, BENCH_FUSION, {});
  const dry = await dryRunOperation(ir, resolved, {});
  const sort = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);
  const list: OperationList = {
    version: 0,
    selection: null,
    operations: [operationInfo(op, {}, dry)],
  };
  const preview: OperationPreview = {
    version: 0,
    name: op.name,
    matches: dry.outcome.matches,
    removed: sort(dry.diff.removed),
    changed: sort(dry.diff.changed),
    addedCount: dry.diff.added.length,
    graphChanged: dry.diff.graphChanged,
    nodesBefore: dry.nodesBefore,
    nodesAfter: dry.nodesAfter,
    tolerance: dry.tolerance?.tolerance.name ?? null,
    summary: null,
  };
  const applied = await applyOperation(ir, resolved, {}, op.name);
  const step: HistoryStep = {
    index: 1,
    label: op.name,
    operation: op.name,
    options: {},
    selection: null,
    matches: applied.outcome.matches,
    nodesBefore: applied.nodesBefore,
    nodesAfter: applied.nodesAfter,
    applied: true,
    verification: { state: 'none', jobId: null, tolerance: null, maxAbsError: null, cosine: null, message: 'not verified in the view benchmark', outputs: [] },
  };
  const result: EditResult = {
    version: 1,
    state: 1,
    steps: [step],
    step,
    diff: { added: sort(applied.diff.added), removed: sort(applied.diff.removed), changed: sort(applied.diff.changed), graphChanged: applied.diff.graphChanged },
  };
  writeFileSync(join(dir, `${name}.listOperations.json`), ok(list));
  writeFileSync(join(dir, `${name}.previewOperation.json`), ok(preview));
  writeFileSync(join(dir, `${name}.applyOperation.json`), ok(result));
  writeFileSync(join(dir, `${name}.getHistory.json`), ok({ version: 0, state: 0, steps: [] }));
  const edited: GraphInfo = { ...graphOf(ir, infer), version: result.version };
  // What the service answers getGraphChanges with: the page patches the graph it opened (version 0).
  writeFileSync(join(dir, `${name}.getGraphChanges.json`), ok(graphChanges(opened, edited, opened.version ?? 0, result.version)));
  for (let part = 0; part < graphPartCount(edited); part++) {
    writeFileSync(join(dir, `${name}.edited.getGraphPart.${part}.json`), ok(graphPart(edited, part)));
  }
  return { operation: op.name, matches: applied.outcome.matches, nodesBefore: applied.nodesBefore, nodesAfter: applied.nodesAfter, removed: result.diff.removed.length, added: result.diff.added.length };
}
