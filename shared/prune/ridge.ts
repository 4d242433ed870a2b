// Ridge-regularised least squares from streamed rows: the normal equations XᵀX and XᵀY are
// accumulated row by row (so activations never need to sit in one matrix) and solved by Cholesky.

/** Accumulates XᵀX (upper triangle) and XᵀY of rows of `cols` features and `outs` targets. */
export class NormalEquations {
  readonly gram: Float64Array;
  readonly cross: Float64Array;
  rows = 0;
  /** Σ‖y‖² over the rows: with XᵀX and XᵀY it gives any W's squared error. */
  targetEnergy = 0;

  constructor(readonly cols: number, readonly outs: number) {
    this.gram = new Float64Array(cols * cols);
    this.cross = new Float64Array(cols * outs);
  }

  /** Adds one row: features `x` (length cols) and targets `y` (length outs). */
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { cols, outs, gram, cross } = this;
    for (let k = 0; k < outs; k++) this.targetEnergy += y[k]! ** 2;
    for (let i = 0; i < cols; i++) {
      const xi = x[i]!;
      // Activations after Relu are mostly zero: their rows add nothing.
      if (xi === 0) continue;
      const gi = i * cols;
      for (let j = i; j < cols; j++) gram[gi + j]! += xi * x[j]!;
      const ci = i * outs;
      for (let k = 0; k < outs; k++) cross[ci + k]! += xi * y[k]!;
    }
    this.rows++;
  }

  /** Adds another accumulation's rows (same cols and outs). */
  merge(o: NormalEquations): void {
    this.gram.forEach((_, i) => (this.gram[i]! += o.gram[i]!));
    this.cross.forEach((_, i) => (this.cross[i]! += o.cross[i]!));
    this.rows += o.rows;
    this.targetEnergy += o.targetEnergy;
  }

  /** ‖XW − Y‖² over the rows: Σy² − 2·tr(WᵀXᵀY) + tr(WᵀXᵀXW) (the gram's upper triangle mirrored). */
  squaredError(w: Float64Array): number {
    const { cols: n, outs: m, gram, cross } = this;
    let e = this.targetEnergy;
    for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) e -= 2 * w[i * m + k]! * cross[i * m + k]!;
    const gw = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      gw.fill(0);
      for (let j = 0; j < n; j++) {
        const g = j >= i ? gram[i * n + j]! : gram[j * n + i]!;
        if (g === 0) continue;
        for (let k = 0; k < m; k++) gw[k]! += g * w[j * m + k]!;
      }
      for (let k = 0; k < m; k++) e += w[i * m + k]! * gw[k]!;
    }
    return e;
  }

  /**
   * Solves (XᵀX + λI)·W = XᵀY with λ = `ridge` · mean diagonal of XᵀX, the last `unpenalised`
   * columns (an intercept) left out of the penalty. With `prior` (cols × outs) the penalty is
   * λ‖W − prior‖² instead of λ‖W‖²: the solution shrinks toward it. Returns W, cols × outs, row-major.
   */
  solve(ridge: number, unpenalised = 0, prior?: Float64Array): Float64Array {
    const n = this.cols;
    const a = new Float64Array(n * n);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += this.gram[i * n + i]!;
    const lambda = (ridge * trace) / Math.max(n, 1) || ridge;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        a[i * n + j] = this.gram[i * n + j]!;
        a[j * n + i] = this.gram[i * n + j]!;
      }
      // A tiny floor keeps a never-active feature (a zero column) from making the system singular.
      a[i * n + i]! += i < n - unpenalised ? lambda : 1e-12 * (trace / Math.max(n, 1) || 1);
    }
    const b = this.cross.slice();
    if (prior) for (let i = 0; i < n - unpenalised; i++) for (let k = 0; k < this.outs; k++) b[i * this.outs + k]! += lambda * prior[i * this.outs + k]!;
    return choleskySolve(a, n, b, this.outs);
  }
}

/** Factors symmetric positive definite A (n × n, row-major) in place: its lower triangle becomes L with A = L·Lᵀ. */
function choleskyFactor(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    if (!(d > 0)) d = 1e-30;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
}

/** Solves A·X = B for symmetric positive definite A (n × n, overwritten) and B (n × m, overwritten and returned). */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  choleskyFactor(a, n);
  // L·Z = B, then Lᵀ·X = Z.
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c]!;
      for (let k = 0; k < i; k++) s -= a[i * n + k]! * b[k * m + c]!;
      b[i * m + c] = s / a[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * b[k * m + c]!;
      b[i * m + c] = s / a[i * n + i]!;
    }
  }
  return b;
}

/**
 * The inverse of symmetric positive definite A (n × n, overwritten), as L⁻ᵀ·L⁻¹: about n³/2
 * multiply-adds, each loop running along rows (a 2,048-channel covariance in seconds, where
 * solving against the identity column by column took minutes).
 */
export function choleskyInverse(a: Float64Array, n: number): Float64Array {
  choleskyFactor(a, n);
  // X = L⁻¹, lower triangular, row by row: X[i] = (e_i − Σ_{k<i} L[i][k]·X[k]) / L[i][i].
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    x[row + i] = 1;
    for (let k = 0; k < i; k++) {
      const f = a[row + k]!;
      if (f === 0) continue;
      for (let c = 0; c <= k; c++) x[row + c]! -= f * x[k * n + c]!;
    }
    const l = a[row + i]!;
    for (let c = 0; c <= i; c++) x[row + c]! /= l;
  }
  // A⁻¹ = Xᵀ·X: the outer products of X's rows (lower triangle), then mirrored.
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const f = x[rk + i]!;
      if (f === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j]! += f * x[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j]!;
  return inv;
}
