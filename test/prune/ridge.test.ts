import { describe, expect, it } from 'vitest';
import { choleskyInverse, NormalEquations } from '../../shared/prune/ridge.js';
import { mulberry32 } from '../../shared/verify/prng.js';

// The streamed normal equations of the refit: the squared error any W gives, read from XᵀX and XᵀY
// (how λ is chosen on held-out rows without keeping them), and the ridge toward a prior.

function rows(n: number, cols: number, outs: number, seed: number, w: (x: number[], k: number) => number) {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: cols }, () => r() * 2 - 1);
    return { x, y: Array.from({ length: outs }, (_, k) => w(x, k) + (r() - 0.5) * 0.1) };
  });
}

describe('NormalEquations', () => {
  const truth = (x: number[], k: number) => x.reduce((a, v, i) => a + v * (i - k + 0.5), 0);
  const data = rows(50, 4, 2, 3, truth);
  const eq = new NormalEquations(4, 2);
  for (const { x, y } of data) eq.add(x, y);

  it('gives the squared error of any W as computing it row by row does', () => {
    const w = Float64Array.from([0.3, -1, 2, 0.5, -0.7, 1.1, 0, 2]);
    let direct = 0;
    for (const { x, y } of data) for (let k = 0; k < 2; k++) direct += (x.reduce((a, v, i) => a + v * w[i * 2 + k]!, 0) - y[k]!) ** 2;
    expect(eq.squaredError(w)).toBeCloseTo(direct, 8);
  });

  it('solves least squares at a small λ, and shrinks toward the prior (not zero) as λ grows', () => {
    const exact = eq.solve(1e-9);
    exact.forEach((v, i) => expect(v).toBeCloseTo(Math.floor(i / 2) - (i % 2) + 0.5, 1));
    const prior = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const pulled = eq.solve(1e6, 0, prior);
    pulled.forEach((v, i) => expect(v).toBeCloseTo(prior[i]!, 3));
    // Without a prior a large λ shrinks toward zero.
    eq.solve(1e6).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
  });

  it('merges two accumulations as if their rows had been added to one', () => {
    const a = new NormalEquations(4, 2);
    const b = new NormalEquations(4, 2);
    data.forEach(({ x, y }, i) => (i % 3 ? a : b).add(x, y));
    a.merge(b);
    expect(a.rows).toBe(50);
    expect([...a.solve(0.01)].map((v) => v.toFixed(9))).toEqual([...eq.solve(0.01)].map((v) => v.toFixed(9)));
  });
});

describe('choleskyInverse', () => {
  it('inverts a covariance (XᵀX of random rows, one column a combination of others plus a little noise): A·A⁻¹ = I', () => {
    const n = 37;
    const r = mulberry32(4);
    const ne = new NormalEquations(n, 1);
    for (let k = 0; k < 200; k++) {
      const x = Array.from({ length: n }, () => r() * 2 - 1);
      x[5] = 0.7 * x[1]! - 0.2 * x[2]! + 0.01 * (r() - 0.5);
      ne.add(x, [0]);
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = ne.gram[i * n + j]!;
    const inverse = choleskyInverse(a.slice(), n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inverse[k * n + j]!;
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-8);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
  });
});
