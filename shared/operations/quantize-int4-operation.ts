import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { matmulsToNBits } from '../quantize/int4/matmul-to-nbits.js';
import { inferTypes } from '../rewrite/shape-facts.js';
import { ValueFacts } from '../rewrite/value-facts.js';
import type { Operation } from './operation.js';

// 4-bit weight-only quantization of MatMul as operation `quantize-int4` (onnxruntime target only).

const options = z.strictObject({
  blockSize: z.union([z.literal(32), z.literal(64), z.literal(128)]).default(32).describe('weights per scale along K: 32, 64 or 128'),
  symmetric: z.boolean().default(true).describe('symmetric blocks (zero point 8); false: a zero point per block'),
  accuracyLevel: z.number().int().min(0).max(4).default(0).describe("MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 (A quantized inside; fastest on CPU)"),
  target: z.enum(['portable', 'onnxruntime']).default('onnxruntime').describe('where the result runs; MatMulNBits exists only in onnxruntime'),
});

export type Int4OperationOptions = z.infer<typeof options>;

/** `quantize-int4`: MatMul weights to 4-bit blocks in com.microsoft MatMulNBits. */
export function int4Operation(): Operation<Int4OperationOptions> {
  return {
    name: 'quantize-int4',
    description: 'quantize constant 2-D MatMul weights to 4 bits in blocks along K (com.microsoft MatMulNBits; weight-only, activations stay float)',
    group: 'quantization',
    target: 'onnxruntime',
    options,
    // 4-bit weights move outputs by about as much as int8 activations do (cosine ≥ 0.99).
    tolerance: 'int8',
    requires: ['shapes'],
    // Not offered by itself when a panel lists what applies: a dry run re-encodes every weight
    // (seconds on a large model), and precision is the user's choice rather than a suggestion.
    optionsFor: () => undefined,
    async run(ctx) {
      const o = ctx.options;
      if (o.target !== 'onnxruntime') {
        throw new WorkbenchError('BAD_OPTION', 'quantize-int4 writes com.microsoft MatMulNBits, which only onnxruntime runs: use the onnxruntime target');
      }
      ctx.progress(0, 1, 'quantize-int4');
      const facts = new ValueFacts(ctx.model, ctx.runtime.inferTypes ?? inferTypes, ctx.runtime.externalBytes);
      const r = matmulsToNBits(ctx.model, facts, { blockSize: o.blockSize, symmetric: o.symmetric, accuracyLevel: o.accuracyLevel, scope: ctx.scope });
      const where = ctx.scope ? 'in the selection' : 'in the model';
      if (!r.converted) {
        const why = r.skipped.length ? `: ${r.skipped.slice(0, 3).join('; ')}` : '';
        throw new WorkbenchError('NOT_APPLICABLE', `quantize-int4: no MatMul with a constant 2-D float32 weight ${where}${why}`);
      }
      ctx.progress(1, 1, 'quantize-int4');
      const ratio = (r.weightBytesAfter / r.weightBytesBefore).toFixed(3);
      const kept = r.skipped.length ? `; ${r.skipped.length} left in float (${r.skipped.slice(0, 3).join('; ')}${r.skipped.length > 3 ? '; …' : ''})` : '';
      return {
        matches: r.converted,
        summary: `${r.converted} MatMul${r.converted === 1 ? '' : 's'} to 4-bit MatMulNBits (block ${o.blockSize}, ${o.symmetric ? 'symmetric' : 'with zero points'}): weights ${r.weightBytesBefore} → ${r.weightBytesAfter} bytes (${ratio}x)${kept}`,
        parts: [
          { name: 'converted', matches: r.converted },
          { name: 'skipped', matches: r.skipped.length },
        ],
      };
    },
  };
}
