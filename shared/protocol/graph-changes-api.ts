import './zod-config.js';
import { z } from 'zod';
import type { GraphPath } from './backend.js';
import type { GraphChanges, ListPatch } from './graph-changes.js';
import { versionSchema } from './operation-schemas.js';
import { graphNodeInfoSchema, graphPathSchema, graphValueInfoSchema, modelIdSchema } from './schemas.js';

// The API row for updating the view after an edit from the graph's changes (graph-changes.ts)
// instead of reading the whole graph again.

export type { GraphChanges } from './graph-changes.js';

export interface GraphChangesParams {
  modelId: string;
  path: GraphPath;
  /** The version of the graph the caller holds (GraphInfo.version). */
  from: number;
}

const count = z.number().int().nonnegative();

function listPatchSchema<T>(item: z.ZodType<T>): z.ZodType<ListPatch<T>> {
  return z.object({
    removed: z.array(z.union([z.string(), count])),
    put: z.array(z.object({ index: count, item })),
  }) as unknown as z.ZodType<ListPatch<T>>;
}

export const graphChangesSchema: z.ZodType<GraphChanges> = z.object({
  path: graphPathSchema,
  from: versionSchema,
  version: versionSchema,
  name: z.string(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  nodes: listPatchSchema(graphNodeInfoSchema),
  values: listPatchSchema(graphValueInfoSchema),
  initializers: listPatchSchema(z.object({ name: z.string(), elemType: z.string(), dims: z.array(count) })),
  totals: z.object({ nodes: count, values: count, initializers: count }),
});

/** Rows of the API table (methods.ts). */
export const graphChangesMethods = {
  /**
   * What changed in the graph at `path` since version `from`: the added, changed and moved nodes,
   * values and initializers (as getGraph gives them, with the shapes inference gives them now)
   * and the removed ones. Null where the host no longer has that version, or where the patch
   * would be about as big as the graph: read it whole then.
   */
  getGraphChanges: {
    params: z.strictObject({ modelId: modelIdSchema, path: graphPathSchema, from: versionSchema }),
    result: graphChangesSchema.nullable(),
  },
};
