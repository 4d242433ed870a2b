import './zod-config.js';
import { z } from 'zod';
import type { GraphPath } from './backend.js';
import type { EditResult } from './operations-api.js';
import { editResultSchema, versionSchema } from './operation-schemas.js';
import { graphPathSchema, modelIdSchema } from './schemas.js';

// The Backend's part for the model as ONNX text (shared/text): the text of the whole model, of
// a subgraph or function body (by graph path), or of selected nodes, with the lines each node
// takes; and the edited text of the whole model, of an If/Loop/Scan body or of selected nodes
// applied as one history step.

/** Lines (1-based, inclusive) of one printed element; `id` is the IR node id of a node. */
export interface TextSpanInfo {
  kind: 'node' | 'initializer' | 'value' | 'graph' | 'function';
  id?: number;
  name: string;
  startLine: number;
  endLine: number;
}

export interface ModelText {
  text: string;
  spans: TextSpanInfo[];
  /** Whether the text is applied back: the whole model, a subgraph body, selected nodes, a local function's body (or nodes in it); not a subgraph inside a function's body. */
  editable: boolean;
  /** The document's edit version the text was printed at. */
  version: number;
}

/** A problem in the text, where the parser or the checks found it. */
export interface TextProblem {
  line: number;
  column: number;
  message: string;
}

/** Applied: the history step as any edit answers it; refused: the problems, and nothing changed. */
export type TextApplyResult = { ok: true; edit: EditResult } | { ok: false; errors: TextProblem[] };

export interface GetTextParams {
  modelId: string;
  /** A subgraph or a function body; absent: the main graph (the whole model unless `nodes`). */
  path?: GraphPath;
  /** Only these nodes (of the graph at `path`). */
  nodes?: number[];
}

/** The edited text and what it is the text of (as getModelText was asked). */
export interface ApplyTextParams {
  modelId: string;
  text: string;
  version?: number;
  /** The text is this subgraph's body (an If/Loop/Scan body, or a local function's body: a path ending in a call's FUNCTION_BODY); absent: the main graph. */
  path?: GraphPath;
  /** The text is these nodes (of the graph at `path`), replaced in place. */
  nodes?: number[];
}

const count = z.number().int().nonnegative();
const spanSchema: z.ZodType<TextSpanInfo> = z.object({
  kind: z.enum(['node', 'initializer', 'value', 'graph', 'function']),
  id: count.optional(),
  name: z.string(),
  startLine: count,
  endLine: count,
});
const problemSchema: z.ZodType<TextProblem> = z.object({ line: count, column: count, message: z.string() });
export const modelTextSchema: z.ZodType<ModelText> = z.object({ text: z.string(), spans: z.array(spanSchema), editable: z.boolean(), version: versionSchema });
export const textApplyResultSchema: z.ZodType<TextApplyResult> = z.union([
  z.object({ ok: z.literal(true), edit: editResultSchema }),
  z.object({ ok: z.literal(false), errors: z.array(problemSchema) }),
]);

/** Rows of the API table (methods.ts) for the model as text. */
export const textMethods = {
  /** The ONNX text of the model, a subgraph or function body, or selected nodes, with each node's lines. */
  getModelText: {
    params: z.strictObject({ modelId: modelIdSchema, path: graphPathSchema.optional(), nodes: z.array(count).max(1 << 20).optional() }),
    result: modelTextSchema,
  },
  /** Parses, checks and applies the edited text (whole model, subgraph body or selected nodes) as one history step; problems come back with line and column. */
  applyModelText: {
    params: z.strictObject({
      modelId: modelIdSchema,
      text: z.string().max(256 << 20),
      version: versionSchema.optional(),
      path: graphPathSchema.optional(),
      nodes: z.array(count).max(1 << 20).optional(),
    }),
    result: textApplyResultSchema,
  },
};
