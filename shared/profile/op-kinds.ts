// What the matching needs to know about operators: which ones only move data between layouts or
// devices (onnxruntime inserts them), and which fused operators stand for which original ones.

/** Operators onnxruntime inserts to change layout or device; they compute no value of the model. */
const LAYOUT_OPS = new Set(['ReorderInput', 'ReorderOutput', 'MemcpyToHost', 'MemcpyFromHost']);

/** Fused or layout-specific operators and the standard operator at their heart. */
const CANONICAL: Readonly<Record<string, string>> = {
  FusedConv: 'Conv',
  NhwcConv: 'Conv',
  QLinearConv: 'Conv',
  FusedGemm: 'Gemm',
  FusedMatMul: 'MatMul',
  QLinearMatMul: 'MatMul',
  MatMulInteger: 'MatMul',
  NhwcMaxPool: 'MaxPool',
  QLinearAveragePool: 'AveragePool',
  QLinearGlobalAveragePool: 'GlobalAveragePool',
  QLinearAdd: 'Add',
  QLinearMul: 'Mul',
  Sum: 'Add',
};

/** Whether a node of `opType` is a layout or device copy onnxruntime inserted. */
export function isLayoutOp(opType: string): boolean {
  return LAYOUT_OPS.has(opType);
}

/** Whether a (possibly fused) operator `derived` can be the one that computes an original `original` node. */
export function compatibleOps(derived: string, original: string): boolean {
  const a = CANONICAL[derived] ?? derived;
  const b = CANONICAL[original] ?? original;
  if (a === b) return true;
  // MatMul + Add become Gemm (ours and onnxruntime's fusions).
  return (a === 'Gemm' && b === 'MatMul') || (a === 'MatMul' && b === 'Gemm');
}

/** Operators that only move or view data: onnxruntime inserts them around layout changes. */
const MOVEMENT_OPS = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** Whether `opType` only moves or views data (so an unmatched node of it may be an inserted one). */
export function isMovementOp(opType: string): boolean {
  return MOVEMENT_OPS.has(opType);
}

// Suffixes onnxruntime appends to the name of the node or value a new node replaces.
const DERIVED_SUFFIXES = [/_token_\d+$/, /_bn_nchwc$/, /_nchwc$/, /\/[A-Za-z0-9]*Fusion\/?$/];

/**
 * Names onnxruntime derives from an existing name: `<value>_nchwc` for NCHWc kernels,
 * `<value>_bn_nchwc` for a BatchNormalization done as an NCHWc convolution, `<node>/QuickGeluFusion/`
 * for fusions, and `_token_<n>` appended to make generated names unique. Most specific first.
 */
export function baseNames(name: string): string[] {
  const out: string[] = [];
  let s = name;
  for (;;) {
    const next = DERIVED_SUFFIXES.reduce((t, re) => t.replace(re, ''), s);
    if (next === s || next === '') break;
    out.push(next);
    s = next;
  }
  return out;
}
