import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostCollector } from '../../electron/prune/activation-collector.js';
import { recoverModel } from '../../electron/prune/recover-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { IrModel } from '../../shared/ir/model.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import type { GroupReport } from '../../shared/operations/prune-channels-operation.js';
import { ensureHostBuilt } from '../profile/fixtures.js';
import { checkPrunedModel, randomFeeds } from './prune-helpers.js';
import { Toy } from './toy-models.js';

// prune-channels' criterion 'reconstruction' on a linear toy where some channels are combinations
// of others: it removes those (a refit then recovers the model exactly), where L1 removes the
// weakest filter, whose part of the output nothing else carries.

const host = new RuntimeHost({ idleTimeoutMs: 60_000 });
beforeAll(ensureHostBuilt);
afterAll(() => host.close());

const calibration = { dims: {}, samples: 16 };

// x (6 channels) → c0 (1×1, 5 channels: 3 and 4 combinations of 0 and 1; channel 2 independent but weak) → c1 (1×1) → y.
function dependentToy(): ModelProto {
  const t = new Toy();
  t.conv('c0', 'x', 6, 5, 1);
  const w = [...new Float32Array(t.inits[0]!.rawData!.slice().buffer)];
  for (let k = 0; k < 6; k++) {
    w[3 * 6 + k] = 1.5 * w[k]! - 0.5 * w[6 + k]!;
    w[4 * 6 + k] = 2 * w[k]! + 0.75 * w[6 + k]!;
    w[2 * 6 + k] = 0.1 * w[2 * 6 + k]!;
  }
  t.inits[0] = { ...t.inits[0]!, rawData: new Uint8Array(Float32Array.from(w).buffer) };
  t.conv('c1', 'c0', 5, 4, 1);
  t.conv('y', 'c1', 4, 2, 1);
  return t.model([['x', [1, 6, 8, 8]]], ['y']);
}

async function pruneAndRecover(m: ModelProto, criterion: 'l1' | 'reconstruction') {
  const ir = new IrModel(m);
  const r = resolveOperation(defaultOperations(), ir, 'prune-channels', { sparsity: 0.4, criterion, exclude: ['c1', 'y'] });
  const effect = await applyOperation(ir, r, { collectActivations: hostCollector(host, calibration) }, 'prune-channels');
  const removed = (effect.outcome.details!.groups as GroupReport[]).find((g) => g.sources.includes('c0'))!.removed;
  const recovery = await recoverModel(ir, host, { original: m, details: effect.outcome.details!, calibration, ridge: 1e-9 });
  return { ir, removed, recovery };
}

describe("prune-channels by 'reconstruction'", () => {
  it('removes channels the others predict, and recovery is then exact; L1 removes the weak independent one, which recovery cannot make up for', async () => {
    const m = dependentToy();
    const byData = await pruneAndRecover(m, 'reconstruction');
    expect(byData.removed).toHaveLength(2);
    expect(byData.removed).not.toContain(2);
    expect(byData.recovery.heldOutError!.before.relativeL2).toBeGreaterThan(0.1);
    expect(byData.recovery.heldOutError!.after.relativeL2).toBeLessThan(1e-4);
    await checkPrunedModel(byData.ir.toProto(), randomFeeds({ x: [1, 6, 8, 8] }));

    const byNorm = await pruneAndRecover(m, 'l1');
    expect(byNorm.removed).toContain(2);
    expect(byNorm.recovery.heldOutError!.after.relativeL2).toBeGreaterThan(100 * byData.recovery.heldOutError!.after.relativeL2);
  });

  it('ranks every channel of the group in the dry run (0: first to go), and without calibration samples it is refused naming what runs it', async () => {
    const ir = new IrModel(dependentToy());
    const r = resolveOperation(defaultOperations(), ir, 'prune-channels', { sparsity: 0.4, criterion: 'reconstruction' });
    const effect = await applyOperation(ir, r, { collectActivations: hostCollector(host, calibration) }, 'prune-channels');
    const c0 = (effect.outcome.details!.groups as GroupReport[]).find((g) => g.sources.includes('c0'))!;
    expect([...c0.norms].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(c0.removed).toEqual(c0.norms.flatMap((rank, c) => (rank < 2 ? [c] : [])).sort());

    const bare = new IrModel(dependentToy());
    const refused = resolveOperation(defaultOperations(), bare, 'prune-channels', { sparsity: 0.4, criterion: 'reconstruction' });
    await expect(applyOperation(bare, refused, {}, 'prune-channels')).rejects.toThrow(/criterion 'reconstruction' needs calibration samples .*onnx-workbench prune/);
  });
});
