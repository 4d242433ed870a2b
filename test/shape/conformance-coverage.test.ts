import { describe, expect, it } from 'vitest';
import { coverageLine, formatReport, measureCoverage } from './shape-coverage.js';

// Shape inference against the conformance suite's reference outputs (see shape-coverage.ts for how
// a case is measured). With the test inputs' values known, the targets are ≥ 95% of node tests and
// every multi-node model; the "types only" figures are printed for information.

describe('shape inference on the conformance suite', () => {
  it('matches ≥ 95% of node tests and every multi-node model', () => {
    const report = measureCoverage(true);
    console.log(formatReport(report));
    const node = report.byGroup.get('node')!;
    expect(node.total).toBeGreaterThan(900);
    expect(node.matched / node.total).toBeGreaterThanOrEqual(0.95);
    for (const group of ['simple', 'pytorch-converted', 'pytorch-operator', 'light'] as const) {
      const g = report.byGroup.get(group)!;
      expect(g.total, group).toBeGreaterThan(0);
      expect(g.matched, group).toBe(g.total);
    }
    expect([...report.unhandledOps.keys()]).toEqual([]);
  });

  it('reports coverage from the input types alone', () => {
    const report = measureCoverage(false);
    console.log(coverageLine(report));
    // Only data-dependent shapes (Reshape targets, Expand shapes... fed as graph inputs) drop out.
    expect(report.byGroup.get('node')!.matched).toBeGreaterThan(0.8 * report.byGroup.get('node')!.total);
    expect(report.byGroup.get('pytorch-converted')!.matched).toBe(report.byGroup.get('pytorch-converted')!.total);
  });
});
