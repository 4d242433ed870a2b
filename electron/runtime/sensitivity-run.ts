// Per-layer sensitivity in onnxruntime: the float and the quantized model run on the same input
// sets (verification's: given files and values, generated for the rest) with the compared
// tensors added as outputs, and each pair's error is summed over every set. A plain async
// function, so that the runtime host runs it as is.

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { isFloatType } from '../../shared/onnx/element-types.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { ErrorAccumulator, worstFirst } from '../../shared/quantize/sensitivity-math.js';
import { sensitivityPairs, type LayerMatch } from '../../shared/quantize/sensitivity-pairs.js';
import type { LayerSensitivity, SensitivityReport } from '../../shared/quantize/sensitivity-report.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { ExternalData } from '../io/external-data-files.js';
import { fsError } from '../io/fs-errors.js';
import { listModelTensors } from '../../shared/onnx/map-tensors.js';
import { readWholeFile } from '../io/read-file-whole.js';
import { createCheckSession, releaseSession, runCheckSession, type ModelSource } from './ort-session.js';
import { ortTensorData } from './ort-tensors.js';
import { runOriginal } from './verify.js';

/** A layer of the report with where its value was read in the quantized model. */
export type LayerSensitivityDetail = LayerSensitivity & LayerMatch;

/** The report with each layer's quantized node and tensor. */
export interface DetailedSensitivityReport extends SensitivityReport {
  layers: LayerSensitivityDetail[];
}

export interface SensitivityRunOptions {
  inputs?: VerifyInputSettings;
  /** The runtime host's cancel check. */
  cancelled?: () => boolean;
  onProgress?: (done: number, total: number, step: string) => void;
}

async function readModel(model: ModelSource, role: string): Promise<ModelProto> {
  if (typeof model !== 'string') return decodeModel(model, `${role} model`);
  let size: number;
  try {
    size = (await stat(model)).size;
  } catch (e) {
    return fsError(e, model, `reading the ${role} model`);
  }
  return withDataInline(decodeModel(await readWholeFile(model, size), model), model, role);
}

/** Protobuf's limit on one message: a model run from bytes must fit in it. */
const PROTO_LIMIT = 2 ** 31 - 1;

/**
 * The model with its external data read in: both models run from bytes (re-encoded with the
 * compared tensors as outputs), where onnxruntime finds no folder to read external files from.
 */
async function withDataInline(proto: ModelProto, path: string, role: string): Promise<ModelProto> {
  const external = listModelTensors(proto).filter(({ tensor: t }) => t.dataLocation === 1);
  if (!external.length) return proto;
  const data = await ExternalData.check(proto, dirname(path), path);
  const total = data.list.reduce((a, f) => a + f.size, 0);
  if (total >= PROTO_LIMIT) throw new WorkbenchError('TOO_LARGE', `sensitivity: the ${role} model ${path} has ${(total / 2 ** 30).toFixed(1)} GiB of external data; with it inline the model passes protobuf's 2 GiB limit, so it cannot run with its layers as outputs`);
  for (const { tensor: t } of external) {
    t.rawData = await data.read(t);
    delete t.dataLocation;
    delete t.externalData;
  }
  return proto;
}

/** `proto` with `names` added as graph outputs (names alone: onnxruntime infers their types), encoded. */
function withOutputs(proto: ModelProto, names: readonly string[]): Uint8Array {
  const graph = proto.graph ?? {};
  const have = new Set((graph.output ?? []).map((v) => v.name));
  const extra = [...new Set(names)].filter((n) => !have.has(n)).map((name) => ({ name }));
  return concatSegments(encodeModel({ ...proto, graph: { ...graph, output: [...(graph.output ?? []), ...extra] } }));
}

function stop(o: SensitivityRunOptions): void {
  if (o.cancelled?.()) throw new WorkbenchError('CANCELLED', 'sensitivity: cancelled');
}

/** Measures how far each quantized layer of `quant` drifts from `float`'s (worst first). */
export async function runSensitivity(float: ModelSource, quant: ModelSource, o: SensitivityRunOptions = {}): Promise<DetailedSensitivityReport> {
  const fp = await readModel(float, 'float');
  const qp = await readModel(quant, 'quantized');
  const pairs = sensitivityPairs(fp.graph ?? {}, qp.graph ?? {});
  if (!pairs.length) throw new WorkbenchError('NOTHING_QUANTIZED', `sensitivity: no node of the float model${typeof float === 'string' ? ` ${float}` : ''} has a quantized counterpart in the quantized model${typeof quant === 'string' ? ` ${quant}` : ''} (no shared value names computed through quantized operators)`);
  const settings = o.inputs ?? { dims: {}, values: {} };
  const verifyOptions = { tolerance: 'exact' as const, dims: settings.dims, values: settings.values, ...(settings.inputsPath !== undefined ? { inputsPath: settings.inputsPath } : {}) };

  let session: ort.InferenceSession | undefined;
  let floatRun: Awaited<ReturnType<typeof runOriginal>>;
  try {
    o.onProgress?.(0, 2, 'running the float model');
    session = await createCheckSession(withOutputs(fp, pairs.map((p) => p.tensor)), 'float');
    floatRun = await runOriginal(session, fp.graph ?? {}, verifyOptions);
  } finally {
    await releaseSession(session);
    session = undefined;
  }
  stop(o);
  const sets = floatRun.built.sets;
  const acc = pairs.map(() => new ErrorAccumulator());
  const skipped = new Set<number>();
  try {
    session = await createCheckSession(withOutputs(qp, pairs.map((p) => p.quantTensor)), 'quantized');
    const inputNames = new Set(session.inputNames);
    const fetches = [...new Set(pairs.map((p) => p.quantTensor))];
    for (const [k, set] of sets.entries()) {
      stop(o);
      o.onProgress?.(1, 2, `running the quantized model on ${set.info.label}`);
      const feeds = Object.fromEntries(Object.entries(set.feeds).filter(([name]) => inputNames.has(name)));
      const out = await runCheckSession(session, feeds, `quantized (${set.info.label})`, fetches);
      const expected = floatRun.results[k]!;
      pairs.forEach((p, i) => {
        const x = expected[p.tensor];
        const y = out[p.quantTensor];
        if (!x || !y) return skipped.add(i);
        const xd = ortTensorData(x);
        const yd = ortTensorData(y);
        // Only float values have a quantization error to speak of; a shape change means no counterpart.
        if (!isFloatType(xd.elemType) || !isFloatType(yd.elemType) || xd.dims.join() !== yd.dims.join()) return skipped.add(i);
        acc[i]!.add(xd.values as ArrayLike<number>, yd.values as ArrayLike<number>);
      });
      // The float model's outputs of this set are no longer needed: hold one set at a time.
      floatRun.results[k] = {};
    }
  } finally {
    await releaseSession(session);
  }
  o.onProgress?.(2, 2, 'compared');
  const layers: LayerSensitivityDetail[] = pairs.flatMap((p, i) => (skipped.has(i) ? [] : [{ node: p.node, opType: p.opType, tensor: p.tensor, ...acc[i]!.result(), quantTensor: p.quantTensor, quantNode: p.quantNode }]));
  return { layers: layers.sort(worstFirst), samples: sets.length };
}
