// `compare`: A and B measured in one host job with interleaved runs on the same inputs, then
// the per-layer table (B's nodes tied to A's by provenance, names, values and structure), the
// latency verdict, the output agreement and the structural diff.

import { WorkbenchError } from '../../shared/errors.js';
import { elemTypeFromName } from '../../shared/onnx/element-types.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import { correspond } from '../../shared/profile/graph-correspondence.js';
import { compareLatency } from '../../shared/profile/latency-compare.js';
import { layerTable } from '../../shared/profile/layer-table.js';
import { outputAgreement } from '../../shared/profile/output-agreement.js';
import { REPORT_SCHEMA_VERSION, type CompareReport, type OutputAgreement } from '../../shared/profile/report-schema.js';
import { structuralDiff } from '../../shared/profile/structural-diff.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';
import { resolveTolerance } from '../../shared/verify/tolerance.js';
import type { MeasuredModel } from '../runtime-host/host-protocol.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import { hostTensorData } from './host-tensor-data.js';
import { checkAgainstDeclared } from '../runtime/input-files.js';
import { buildProfileReport, measureJob, planModelInputs, prepareModel, withWorkDir, type PlannedInputs, type PreparedModel } from './profile-model.js';
import { checkProfileOptions, chooseProvider, type ProfileOptions } from './profile-options.js';

/** B must take the inputs planned from A, with shapes it accepts. */
function checkInputsFit(b: PreparedModel, inputs: PlannedInputs): void {
  const have = new Map(inputs.info.map((i) => [i.name, i]));
  for (const vi of runtimeInputs(b.graph)) {
    const name = vi.name ?? '';
    const i = have.get(name);
    if (!i) throw new WorkbenchError('INPUT_MISMATCH', `${b.label} needs input '${name}', which model A does not have (A's inputs: ${[...have.keys()].join(', ') || 'none'})`);
    checkAgainstDeclared(name, elemTypeFromName(i.type) ?? 0, i.shape, vi, b.label);
  }
}

function outputsAgreement(a: MeasuredModel, b: MeasuredModel): OutputAgreement[] {
  const tolerance = resolveTolerance('reassociation');
  return a.outputs.map((oa) => {
    const ob = b.outputs.find((o) => o.name === oa.name);
    if (!ob) return { name: oa.name, maxAbsError: null, cosine: null, top1Agreement: null, reason: 'B has no output of that name' };
    try {
      return outputAgreement(oa.name, hostTensorData(oa), hostTensorData(ob), tolerance);
    } catch (e) {
      return { name: oa.name, maxAbsError: null, cosine: null, top1Agreement: null, reason: (e as Error).message };
    }
  });
}

/** Compares B with A (B usually an optimized A). */
export async function compareModels(aPath: string, bPath: string, o: ProfileOptions, host: RuntimeHost): Promise<CompareReport> {
  checkProfileOptions(o);
  const a = await prepareModel(aPath);
  const b = await prepareModel(bPath);
  a.label = `model A (${a.label})`;
  b.label = `model B (${b.label})`;
  const inputs = await planModelInputs(a.graph, o);
  checkInputsFit(b, inputs);
  const provider = await chooseProvider(host, o);
  return withWorkDir(async (dir) => {
    const result = await host.measure(measureJob([a, b], inputs, o, provider, dir, true), {
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    });
    const [ma, mb] = result.models as [MeasuredModel, MeasuredModel];
    const ra = await buildProfileReport(a, ma, o, provider, inputs, result.onnxruntimeVersion);
    const rb = await buildProfileReport(b, mb, o, provider, inputs, result.onnxruntimeVersion);
    const corr = correspond(a.index, b.index, { provenance: true });
    const sa = summarizeModel(a.opened.ir);
    const sb = summarizeModel(b.opened.ir);
    return {
      schema: 'onnx-workbench.compare',
      schemaVersion: REPORT_SCHEMA_VERSION,
      a: ra,
      b: rb,
      ...compareLatency(ma.plainMs, mb.plainMs),
      outputs: outputsAgreement(ma, mb),
      layers: layerTable(a.index, b.index, corr, ra.nodes, rb.nodes),
      structure: structuralDiff(a.index, b.index, corr, {
        parametersA: sa.parameterCount + sa.constantParameterCount,
        parametersB: sb.parameterCount + sb.constantParameterCount,
        fileSizeA: a.opened.fileSize,
        fileSizeB: b.opened.fileSize,
      }),
      createdAt: new Date().toISOString(),
    };
  });
}
