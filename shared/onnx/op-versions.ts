// Default-domain (ai.onnx) operators that got a new version in opsets 8 to 11, from the ONNX
// operator changelog (the since-versions as onnx 1.23's schemas list them), with what the new
// version means for a node written against the previous one. Raising a model's opset import is
// only safe when every node keeps its meaning: 'same' (types added, negative axes allowed, new
// attributes whose defaults keep the old behaviour), 'convert' (attributes moved to inputs, a
// mechanical rewrite that raise-opset.ts does), 'changed' (the meaning or signature changed in a
// way that needs a real converter: refused by name). Operators that are new in a version cannot
// be in an older model and are not listed.

export type OpChange = 'same' | 'convert' | 'changed';

/** The lowest opset a raise starts from: opset 7 changed broadcasting and many ops' attributes. */
export const RAISE_FROM_OPSET = 7;
/** The highest opset a raise goes to: 12 and 13 moved axes to inputs and changed Softmax. */
export const RAISE_TO_OPSET = 11;

export const OP_CHANGES: Readonly<Record<number, Readonly<Record<string, OpChange>>>> = {
  8: { Max: 'same', Mean: 'same', Min: 'same', Sum: 'same', MaxPool: 'same' },
  9: {
    // BatchNormalization-9 dropped `spatial` (checked per node in raise-opset.ts: only spatial=1 is the same).
    BatchNormalization: 'same',
    Cast: 'same',
    Constant: 'same',
    Flatten: 'same',
    Gemm: 'same',
    Greater: 'same',
    Less: 'same',
    MatMul: 'same',
    PRelu: 'same',
    Scan: 'changed',
    Upsample: 'changed',
  },
  10: {
    AveragePool: 'same',
    // Dropout-10's mask output is bool (checked per node: only the same while the mask is unused).
    Dropout: 'same',
    MaxPool: 'same',
    Slice: 'convert',
    TopK: 'changed',
    Upsample: 'changed',
  },
  11: {
    ArgMax: 'same',
    ArgMin: 'same',
    AveragePool: 'same',
    Clip: 'convert',
    Compress: 'same',
    Concat: 'same',
    Constant: 'same',
    Conv: 'same',
    ConvTranspose: 'same',
    DepthToSpace: 'same',
    Equal: 'same',
    Flatten: 'same',
    Gather: 'same',
    Gemm: 'same',
    Hardmax: 'same',
    If: 'same',
    LogSoftmax: 'same',
    Loop: 'same',
    LpPool: 'same',
    MaxPool: 'same',
    MaxUnpool: 'same',
    NonMaxSuppression: 'same',
    OneHot: 'same',
    Pad: 'changed',
    ReduceL1: 'same',
    ReduceL2: 'same',
    ReduceLogSum: 'same',
    ReduceLogSumExp: 'same',
    ReduceMax: 'same',
    ReduceMean: 'same',
    ReduceMin: 'same',
    ReduceProd: 'same',
    ReduceSum: 'same',
    ReduceSumSquare: 'same',
    Resize: 'changed',
    Scan: 'same',
    Scatter: 'changed',
    // Slice-11 only allows negative steps/axes; a Slice-1 node was converted when passing 10.
    Slice: 'same',
    Softmax: 'same',
    Split: 'same',
    Squeeze: 'same',
    TopK: 'same',
    Unsqueeze: 'same',
  },
};

/** The versions in (from, to] at which `op` changed, with how. */
export function opChangesBetween(op: string, from: number, to: number): { version: number; change: OpChange }[] {
  const out: { version: number; change: OpChange }[] = [];
  for (let v = from + 1; v <= to; v++) {
    const c = OP_CHANGES[v]?.[op];
    if (c) out.push({ version: v, change: c });
  }
  return out;
}
