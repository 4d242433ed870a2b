import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { convertToHalf } from '../quantize/float/convert-to-half.js';
import { HALF_FORMATS, type HalfKind } from '../quantize/float/half-format.js';
import { DEFAULT_OP_BLOCK_LIST } from '../quantize/float/op-rules.js';
import { removeRedundantCasts } from '../quantize/float/remove-redundant-casts.js';
import { inferTypes } from '../rewrite/shape-facts.js';
import { ValueFacts } from '../rewrite/value-facts.js';
import type { Operation } from './operation.js';
import { throwIfCancelled } from './pass-operations.js';

// float16 and bfloat16 conversion as operations `quantize-fp16` and `quantize-bf16`.

const options = z.strictObject({
  blockOps: z.array(z.string().min(1)).default([]).describe('operator types kept in float32, besides the default list'),
  defaultBlockList: z.boolean().default(true).describe(`also keep the default list in float32 (${DEFAULT_OP_BLOCK_LIST.join(', ')})`),
  blockNodes: z.array(z.string().min(1)).default([]).describe('names of nodes kept in float32'),
  outOfRange: z.enum(['keep', 'clamp']).default('keep').describe('nodes whose weights exceed the format\'s range: keep them in float32, or clamp those values to its largest'),
  provider: z.enum(['cpu', 'gpu']).default('cpu').describe('where the result will run: onnxruntime CPU has 16-bit kernels for few ops'),
});

export type HalfOptions = z.infer<typeof options>;

const GPU_NOTE: Record<HalfKind, string> = {
  fp16: 'meant for a GPU provider (CUDA, DirectML, WebGPU): onnxruntime CPU has float16 kernels for few operators and casts around the rest, so it runs slower there than float32',
  bf16: 'meant for a GPU provider with bfloat16 kernels (CUDA on Ampere or newer): onnxruntime CPU has no bfloat16 kernels for most operators and may refuse to run it',
};

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The float16 or bfloat16 conversion as an operation. */
export function halfOperation(kind: HalfKind): Operation<HalfOptions> {
  const format = HALF_FORMATS[kind];
  const typeName = kind === 'fp16' ? 'float16' : 'bfloat16';
  return {
    name: `quantize-${kind}`,
    description: `convert float32 weights and computations to ${typeName}, keeping the model's input and output types (Casts at the boundaries and around float32 ops)`,
    group: 'quantization',
    target: 'portable',
    options,
    tolerance: kind,
    requires: ['shapes'],
    // Not offered by itself when a panel lists what applies: a dry run re-encodes every weight
    // (seconds on a large model), and precision is the user's choice rather than a suggestion.
    optionsFor: () => undefined,
    async run(ctx) {
      const { model, options: o } = ctx;
      ctx.progress(0, 2, `converting to ${typeName}`);
      const infer = ctx.runtime.inferTypes ?? inferTypes;
      const facts = new ValueFacts(model, infer, ctx.runtime.externalBytes);
      const blockOps = new Set([...(o.defaultBlockList ? DEFAULT_OP_BLOCK_LIST : []), ...o.blockOps]);
      const r = convertToHalf(model, facts, { format, blockOps, blockNodes: o.blockNodes, scope: ctx.scope, outOfRange: o.outOfRange });
      if (!r.convertedNodes && !r.convertedWeights) {
        const where = ctx.scope ? 'in the selection' : 'in the model';
        throw new WorkbenchError('NOT_APPLICABLE', `quantize-${kind}: no float32 computation to convert ${where}`);
      }
      throwIfCancelled(ctx.signal, `quantize-${kind}`);
      ctx.progress(1, 2, 'removing redundant Casts');
      const after = new ValueFacts(model, infer, ctx.runtime.externalBytes);
      const removed = removeRedundantCasts(model.graph, (v) => after.tensor(model.graph, v)?.elemType);
      ctx.progress(2, 2, `quantize-${kind}`);
      const parts = [
        `${plural(r.convertedNodes, 'node')} to ${typeName}`,
        `${plural(r.keptNodes, 'node')} kept in float32`,
        `${plural(r.castsInserted - removed, 'Cast')} added`,
        `${plural(r.clamped, 'weight value')} clamped to ±${Number(format.max.toPrecision(5))}`,
      ];
      if (r.keptForRange) parts.push(`${plural(r.keptForRange, 'node')} kept in float32 for weights beyond ±${Number(format.max.toPrecision(5))}`);
      if (r.flushed) parts.push(`${plural(r.flushed, 'tiny weight value')} now 0`);
      if (r.subgraphNodesKept) parts.push(`${plural(r.subgraphNodesKept, 'node')} inside If/Loop/Scan bodies left in float32`);
      const summary = `${parts.join(', ')}${o.provider === 'cpu' ? `; ${GPU_NOTE[kind]}` : ''}`;
      return {
        matches: r.convertedNodes,
        summary,
        parts: [
          { name: 'converted-nodes', matches: r.convertedNodes },
          { name: 'kept-nodes', matches: r.keptNodes },
          { name: 'converted-weights', matches: r.convertedWeights },
          { name: 'clamped-values', matches: r.clamped },
          { name: 'kept-for-range', matches: r.keptForRange },
          { name: 'casts-inserted', matches: r.castsInserted },
          { name: 'casts-removed', matches: removed },
        ],
      };
    },
  };
}
