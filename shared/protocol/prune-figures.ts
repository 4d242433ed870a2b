import './zod-config.js';
import { z } from 'zod';

// What a prune step measured, shown beside it in the history: parameters, sizes, latency before
// and after (as `onnx-workbench prune` measures it: measure-latency.ts), and the output error
// before and after recovery. Numbers are measurements, never estimates.

export interface OutputErrorFigures {
  relativeL2: number;
  cosine: number;
  top1Agreement: number | null;
}

/** What a prune step measured, shown under it in the history. Measurements, never estimates. */
export interface PruneFigures {
  method: string;
  summary: string | null;
  parametersBefore: number;
  parametersAfter: number;
  sizeBytesBefore: number;
  sizeBytesAfter: number;
  latency: { before: number; after: number; ratio: number; verdict: string } | null;
  recovery: {
    method: string;
    applied: boolean;
    samples: number;
    heldOutSamples: number;
    generated: boolean;
    errorBefore: OutputErrorFigures;
    errorAfter: OutputErrorFigures;
    heldOutError: { before: OutputErrorFigures; after: OutputErrorFigures } | null;
  } | null;
  warnings: string[];
}

const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const errorSchema = z.object({ relativeL2: anyNumber, cosine: anyNumber, top1Agreement: anyNumber.nullable() });

export const pruneFiguresSchema: z.ZodType<PruneFigures> = z.object({
  method: z.string(),
  summary: z.string().nullable(),
  parametersBefore: z.number().nonnegative(),
  parametersAfter: z.number().nonnegative(),
  sizeBytesBefore: z.number().nonnegative(),
  sizeBytesAfter: z.number().nonnegative(),
  latency: z.object({ before: anyNumber, after: anyNumber, ratio: anyNumber, verdict: z.string() }).nullable(),
  recovery: z
    .object({
      method: z.string(),
      applied: z.boolean(),
      samples: z.number().int().nonnegative(),
      heldOutSamples: z.number().int().nonnegative(),
      generated: z.boolean(),
      errorBefore: errorSchema,
      errorAfter: errorSchema,
      heldOutError: z.object({ before: errorSchema, after: errorSchema }).nullable(),
    })
    .nullable(),
  warnings: z.array(z.string()),
});

