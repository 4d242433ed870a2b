// The batch size to recommend for a serving system: measured, not guessed. Each size runs
// in the runtime host on generated inputs; the pick is the smallest size within 5% of the best
// rows per second (past it, larger batches only add latency).

import { spreadOf } from '../../shared/profile/stats.js';
import type { HostTensor } from '../runtime-host/host-protocol.js';
import type { BatchScheduler } from './batch-scheduler.js';
import { arrayFromBytes, elementBytes, ortTypeOfV2, v2TypeOf } from './datatypes.js';
import { generateValues } from './load-inputs.js';
import type { ServedModel } from './served-model.js';

export interface BatchMeasure {
  batch: number;
  /** Median session.run() time (ms). */
  runMs: number;
  rowsPerSecond: number;
}

export interface BatchChoice {
  preferred: number;
  /** Wait for more requests at most one batch-1 run: longer only delays a lone request. */
  maxQueueDelayMicroseconds: number;
  measured: BatchMeasure[];
}

function inputsFor(model: ServedModel, batch: number): HostTensor[] {
  const v2 = model.inputs.map((i) => ({ name: i.name, datatype: v2TypeOf(i.type)!, shape: (i.shape ?? []).map((d) => d ?? -1) }));
  return generateValues(v2, batch, 0).map((g) => {
    const type = ortTypeOfV2(g.datatype)!;
    return { name: g.name, type, dims: g.shape, data: arrayFromBytes(type, g.bytes, g.bytes.length / elementBytes(type)!) };
  });
}

export async function chooseBatchSize(scheduler: BatchScheduler, model: ServedModel, sizes: readonly number[], runs: number): Promise<BatchChoice> {
  const measured: BatchMeasure[] = [];
  for (const batch of sizes) {
    const inputs = inputsFor(model, batch);
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const r = await scheduler.submit(model, inputs, batch, false);
      // The first two warm the session's allocations for this shape.
      if (i >= 2) times.push(r.runMs);
    }
    const runMs = spreadOf(times).median;
    measured.push({ batch, runMs, rowsPerSecond: (batch * 1000) / runMs });
  }
  const best = Math.max(...measured.map((m) => m.rowsPerSecond));
  const pick = measured.find((m) => m.rowsPerSecond >= 0.95 * best)!;
  return { preferred: pick.batch, maxQueueDelayMicroseconds: Math.max(100, Math.round(measured[0]!.runMs * 1000)), measured };
}
