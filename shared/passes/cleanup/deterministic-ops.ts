import type { IrNode } from '../../ir/node.js';

// Which nodes compute a pure function of their inputs and attributes, so that two of them with
// the same inputs give the same outputs (CSE) and one with constant inputs gives a constant
// (folding). Random ops do not; Dropout does only in inference mode, which identity-elimination
// handles; nodes with subgraphs are left to the passes that understand control flow. Operators
// of domains we do not know could do anything.

const RANDOM_OPS: ReadonlySet<string> = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
  'Dropout',
]);

const KNOWN_DOMAINS: ReadonlySet<string> = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']);

/** Whether the node's outputs are a pure function of its inputs and attributes (no randomness, no subgraphs, a known domain). */
export function isDeterministic(node: IrNode): boolean {
  if (!KNOWN_DOMAINS.has(node.domain) || node.subgraphs.length > 0) return false;
  if (RANDOM_OPS.has(node.opType)) return false;
  // com.microsoft's random and dropout variants (BiasDropout, BitmaskDropout, RandomNormal-like ops).
  return node.domain !== 'com.microsoft' || !/Dropout|Random/.test(node.opType);
}
