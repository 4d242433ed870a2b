// How far a pruned model's outputs are from the original's over a set of samples: relative L2
// error, cosine similarity and (for class scores) top-1 agreement.

import { ElemType } from '../onnx/element-types.js';
import { top1Agreement } from '../profile/output-agreement.js';
import type { Activation } from './refit.js';

export interface OutputError {
  /** ‖b − a‖ / ‖a‖ over every output and sample. */
  relativeL2: number;
  /** Lowest per-output cosine similarity. */
  cosine: number;
  /** Mean fraction of rows whose argmax agrees, over class-score outputs; null when none is one. */
  top1Agreement: number | null;
}

/** The error of `other` against `reference`, each a list of samples of named outputs. */
export function outputError(reference: readonly Record<string, Activation>[], other: readonly Record<string, Activation>[], outputs: readonly string[]): OutputError {
  let num = 0;
  let den = 0;
  let cosine = 1;
  const top1: number[] = [];
  for (const name of outputs) {
    let dot = 0;
    let aa = 0;
    let bb = 0;
    for (const [s, ref] of reference.entries()) {
      const a = ref[name]!;
      const b = other[s]![name]!;
      for (let i = 0; i < a.data.length; i++) {
        const x = a.data[i]!;
        const y = b.data[i]!;
        num += (x - y) ** 2;
        den += x * x;
        dot += x * y;
        aa += x * x;
        bb += y * y;
      }
      const t = top1Agreement({ elemType: ElemType.FLOAT, dims: a.dims, values: Float32Array.from(a.data) }, { elemType: ElemType.FLOAT, dims: b.dims, values: Float32Array.from(b.data) });
      if (t !== null) top1.push(t);
    }
    cosine = Math.min(cosine, aa === 0 && bb === 0 ? 1 : aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb));
  }
  return { relativeL2: Math.sqrt(num / (den || 1)), cosine, top1Agreement: top1.length ? top1.reduce((p, q) => p + q, 0) / top1.length : null };
}
