import './zod-config.js';
import { z } from 'zod';

// What a quantize step measured, shown beside it in the history: sizes, latency before and after
// (as `quantize` measures it: interleaved runs of both states, onnxruntime's optimizer on), and
// how far the outputs moved. Numbers are measurements, never estimates.

export interface QuantizeFigures {
  mode: string;
  sizeBytesBefore: number;
  sizeBytesAfter: number;
  /** Medians in ms and after/before; null when the measurement did not run (it failed: see warnings). */
  latency: { before: number; after: number; ratio: number; verdict: string } | null;
  /** The result is slower than the state before it, beyond noise. */
  slower: boolean;
  outputs: { name: string; cosine: number | null; top1Agreement: number | null }[];
  calibration: { method: string; samples: number; generated: boolean } | null;
  /** Node names left in float on purpose (the options' exclude). */
  excluded: string[];
  warnings: string[];
}

const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });

export const quantizeFiguresSchema: z.ZodType<QuantizeFigures> = z.object({
  mode: z.string(),
  sizeBytesBefore: z.number().nonnegative(),
  sizeBytesAfter: z.number().nonnegative(),
  latency: z.object({ before: anyNumber, after: anyNumber, ratio: anyNumber, verdict: z.string() }).nullable(),
  slower: z.boolean(),
  outputs: z.array(z.object({ name: z.string(), cosine: anyNumber.nullable(), top1Agreement: anyNumber.nullable() })),
  calibration: z.object({ method: z.string(), samples: z.number().int().nonnegative(), generated: z.boolean() }).nullable(),
  excluded: z.array(z.string()),
  warnings: z.array(z.string()),
});
