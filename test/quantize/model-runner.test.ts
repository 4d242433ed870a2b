import { describe, expect, it } from 'vitest';
import { ortModelRunner } from '../../electron/quantize/model-runner.js';
import { IrModel } from '../../shared/ir/model.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import { cancellingModel } from './float-models.js';

// The CLI's model runner lent to quantize-fp16's mixed-precision search: generated inputs, the
// same for every candidate, and the nodes kept found through it.

describe('ortModelRunner', () => {
  it('runs the float and candidate models on one generated input set; the search keeps the Add and the Sub', async () => {
    const proto = cancellingModel();
    const runModel = ortModelRunner(proto.graph!);
    const a = await runModel(proto);
    const b = await runModel(proto);
    expect(a.y!.dims).toEqual([64]);
    expect(Array.from(a.y!.values as Float32Array)).toEqual(Array.from(b.y!.values as Float32Array));
    const m = new IrModel(proto);
    const effect = await applyOperation(m, resolveOperation(defaultOperations(), m, 'quantize-fp16', { mixedPrecision: true }), { runModel }, 'amp');
    expect(effect.outcome.parts!.find((p) => p.name === 'mixed-precision-kept')!.matches).toBe(2);
    expect(effect.outcome.summary).toMatch(/"add" \(Add\), "sub" \(Sub\)/);
  });
});
