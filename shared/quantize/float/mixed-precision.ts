import { WorkbenchError } from '../../errors.js';
import type { NodeId } from '../../ir/journal.js';
import { IrModel } from '../../ir/model.js';
import type { ModelProto } from '../../onnx/proto-types.js';
import { compareTensors } from '../../verify/compare.js';
import type { TensorData } from '../../verify/tensor-data.js';
import type { Tolerance } from '../../verify/tolerance.js';

// Automatic mixed precision: which converted nodes must stay float32 for the outputs to stay
// within a tolerance of the float32 model's, found by bisection over the node list. A segment of
// nodes is converted together with those already accepted; when the outputs then stray, the
// segment is split in two and each half tried, down to single nodes, which are kept in float32.
// k nodes kept cost about 2·k·log2(n) runs, against n for trying nodes one by one.

/** Runs a whole model on inputs the host chose (the same each time) and returns its outputs by name. */
export type ModelRunner = (model: ModelProto) => Promise<Record<string, TensorData>>;

/** Converts a fresh IR of the float32 model, only the nodes in `scope`; returns the ids it converted. */
export type ScopedConversion = (model: IrModel, scope: ReadonlySet<NodeId> | undefined) => NodeId[];

export interface MixedPrecisionResult {
  /** Node ids (of an IR built from the float32 model) to keep in float32. */
  keep: NodeId[];
  /** Nodes the search could convert. */
  candidates: number;
  /** Models run, the float32 reference included. */
  runs: number;
}

function within(reference: Record<string, TensorData>, got: Record<string, TensorData>, tolerance: Tolerance): boolean {
  for (const [name, want] of Object.entries(reference)) {
    const have = got[name];
    if (!have) return false;
    if (!compareTensors(want, have, tolerance).passed) return false;
  }
  return true;
}

/** Finds the nodes to keep in float32 so that the converted model's outputs stay within `tolerance`. */
export async function searchMixedPrecision(
  float: ModelProto,
  convert: ScopedConversion,
  run: ModelRunner,
  tolerance: Tolerance,
  options: { scope?: ReadonlySet<NodeId>; signal?: AbortSignal; progress?: (runs: number, message: string) => void } = {},
): Promise<MixedPrecisionResult> {
  let runs = 0;
  const runOnce = async (m: ModelProto) => {
    if (options.signal?.aborted) throw new WorkbenchError('CANCELLED', 'mixed-precision search: cancelled');
    runs++;
    return run(m);
  };
  const reference = await runOnce(float);
  const candidates = convert(new IrModel(float), options.scope);
  const accepted: NodeId[] = [];
  const keep: NodeId[] = [];
  const passes = async (segment: readonly NodeId[]): Promise<boolean> => {
    const m = new IrModel(float);
    convert(m, new Set([...accepted, ...segment]));
    const ok = within(reference, await runOnce(m.toProto()), tolerance);
    options.progress?.(runs, `${accepted.length + (ok ? segment.length : 0)} of ${candidates.length} nodes converted, ${keep.length} kept`);
    return ok;
  };
  const search = async (segment: readonly NodeId[]): Promise<void> => {
    if (!segment.length) return;
    if (await passes(segment)) {
      accepted.push(...segment);
      return;
    }
    if (segment.length === 1) {
      keep.push(segment[0]!);
      return;
    }
    const mid = segment.length >> 1;
    await search(segment.slice(0, mid));
    await search(segment.slice(mid));
  };
  await search(candidates);
  return { keep, candidates: candidates.length, runs };
}
