import { describe, expect, it } from 'vitest';
import { heldOutWarning, type RecoveryReport } from '../../electron/prune/recover-model.js';

// The warning a recovery gets when its refits fitted their samples but moved the held-out ones away from the original.

const error = (relativeL2: number) => ({ relativeL2, cosine: 1 - relativeL2, top1Agreement: null });
const report = (before: number, after: number, applied = true): RecoveryReport => ({
  method: 'least-squares', samples: 18, heldOutSamples: 6, generated: false, applied, layers: [], errorBefore: error(0.5), errorAfter: error(0.45), heldOutError: { before: error(before), after: error(after) } });

describe('heldOutWarning', () => {
  it('names both held-out errors and the fit samples when the held-out error grew, and says nothing otherwise', () => {
    expect(heldOutWarning(report(0.639, 0.697))).toBe('recovery made the held-out samples worse (relative L2 0.639 → 0.697) while it improved the 18 it fitted on: give more calibration samples');
    expect(heldOutWarning(report(0.639, 0.5))).toBeUndefined();
    // An undone recovery already has its own warning.
    expect(heldOutWarning(report(0.639, 0.697, false))).toBeUndefined();
    expect(heldOutWarning({ ...report(0.6, 0.7), heldOutError: null })).toBeUndefined();
  });
});
