import type { OpRule } from './rule.js';
import { castRules } from './ops/cast-quantize.js';
import { concatSplitRules } from './ops/concat-split.js';
import { controlFlowRules } from './ops/control-flow.js';
import { convPoolRules } from './ops/conv-pool.js';
import { elementwiseRules } from './ops/elementwise.js';
import { gatherRules } from './ops/gather.js';
import { generatorRules } from './ops/generators.js';
import { matmulRules } from './ops/matmul.js';
import { microsoftRules } from './ops/microsoft.js';
import { miscRules, trainingRules } from './ops/misc.js';
import { nnRules } from './ops/nn.js';
import { reduceRules } from './ops/reduce.js';
import { reshapeRules } from './ops/reshape.js';
import { resizeRules } from './ops/resize.js';
import { sequenceRules } from './ops/sequence.js';
import { sliceRules } from './ops/slice.js';

// Which rule infers which operator: (domain, op type) → rule. Rules read the node's opset
// version themselves where an operator changed between versions.

const DEFAULT_DOMAIN = [
  elementwiseRules, reduceRules, reshapeRules, sliceRules, concatSplitRules, gatherRules, convPoolRules, nnRules,
  matmulRules, generatorRules, castRules, controlFlowRules, sequenceRules, resizeRules, miscRules,
];

const RULES = new Map<string, OpRule>();
for (const table of DEFAULT_DOMAIN) for (const [op, rule] of Object.entries(table)) RULES.set(`:${op}`, rule);
for (const [op, rule] of Object.entries(microsoftRules)) RULES.set(`com.microsoft:${op}`, rule);
for (const [op, rule] of Object.entries(trainingRules)) RULES.set(`ai.onnx.preview.training:${op}`, rule);

/** The rule for an operator ('' is the default domain), if inference handles it. */
export function ruleFor(domain: string, opType: string): OpRule | undefined {
  return RULES.get(`${domain === 'ai.onnx' ? '' : domain}:${opType}`);
}

/** Every operator inference handles, as (domain, op type) pairs. */
export function handledOps(): { domain: string; opType: string }[] {
  return [...RULES.keys()].map((k) => {
    const i = k.lastIndexOf(':');
    return { domain: k.slice(0, i), opType: k.slice(i + 1) };
  });
}
