import { describe, expect, it } from 'vitest';
import { IrModel } from '../../shared/ir/model.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, dryRunOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { inferTypes } from '../../shared/rewrite/shape-facts.js';
import { convBnReluModel } from './conv-bn-model.js';

// Running operations on the IR directly (no service): progress, cancellation, and the journal
// left as it was by dry runs and by cancelled applies.

const runtime = { inferTypes };

describe('run-operation', () => {
  it('reports progress per pass and applies a preset as one journal transaction', async () => {
    const m = new IrModel(convBnReluModel());
    const r = resolveOperation(defaultOperations(), m, 'preset:fusions', {});
    const seen: string[] = [];
    const e = await applyOperation(m, r, runtime, 'fusions', { progress: (_d, _t, msg) => seen.push(msg) });
    expect(m.journal.state).toBe(1);
    expect(m.journal.history().map((t) => t.label)).toEqual(['fusions']);
    expect(e).toMatchObject({ nodesBefore: 3, nodesAfter: 2, tolerance: { tolerance: { name: 'reassociation' }, outputs: {} } });
    expect(e.tolerance!.tolerance.reason).toMatch(/fuse-conv-batchnorm/);
    expect(e.outcome.parts!.find((p) => p.name === 'fuse-conv-batchnorm')!.matches).toBe(1);
    expect(seen).toContain('fuse-conv-batchnorm');
    expect(seen[seen.length - 1]).toBe('preset:fusions');
  });

  it('a cancelled apply leaves the model and its history as they were', async () => {
    const m = new IrModel(convBnReluModel());
    const before = m.toProto();
    const abort = new AbortController();
    const r = resolveOperation(defaultOperations(), m, 'preset:default', {});
    let fused = false;
    let nodesAtCancel = 0;
    // Cancelled after the Conv + BN fusion has changed the model.
    const progress = (_d: number, _t: number, pass: string) => {
      if (fused && !abort.signal.aborted) {
        nodesAtCancel = m.graph.nodeCount;
        abort.abort();
      }
      if (pass === 'fuse-conv-batchnorm') fused = true;
    };
    await expect(applyOperation(m, r, runtime, 'default', { signal: abort.signal, progress })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(nodesAtCancel).toBe(2);
    expect(m.journal.state).toBe(0);
    expect(m.toProto()).toEqual(before);
  });

  it('a dry run keeps the redo list; an operation that changes nothing is refused', async () => {
    const m = new IrModel(convBnReluModel());
    const reg = defaultOperations();
    await applyOperation(m, resolveOperation(reg, m, 'fuse-conv-batchnorm', {}), runtime, 'fuse');
    const fused = m.toProto();
    m.journal.undo();
    const dry = await dryRunOperation(m, resolveOperation(reg, m, 'fuse-conv-batchnorm', {}), runtime);
    expect(dry.diff.removed).toHaveLength(2);
    expect(m.journal.redoCount).toBe(1);
    m.journal.redo();
    expect(m.toProto()).toEqual(fused);
    await expect(applyOperation(m, resolveOperation(reg, m, 'fuse-conv-batchnorm', {}), runtime, 'again')).rejects.toMatchObject({ code: 'NOT_APPLICABLE' });
    expect(m.journal.state).toBe(1);
  });
});
