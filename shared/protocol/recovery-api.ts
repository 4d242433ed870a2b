import './zod-config.js';
import { z } from 'zod';
import { modelIdSchema, openedModelInfoSchema } from './schemas.js';

// The Backend's part for not losing work: whether a document has unsaved steps, where to save it
// (a suggestion, or the native dialog's choice in Electron), and recovery copies that a crashed
// or killed host offers on its next start.

/** A recovery copy on disk: a document's state with unsaved steps. */
export interface RecoveryInfo {
  id: string;
  /** The document's name (its file name, or the uploaded name). */
  name: string;
  /** The file it was opened from (null for uploads). */
  originalPath: string | null;
  /** The applied steps' labels, oldest first. */
  labels: string[];
  /** When the copy was written (ISO 8601). */
  time: string;
}

/** Whether a document has steps not saved, and what keeps them. */
export interface DocumentState {
  modelId: string;
  /** Steps applied or undone since the last save (or since opening). */
  unsaved: boolean;
  /** Where it was last saved, null if never. */
  savedPath: string | null;
  /** The recovery copy's state: written (id), pending, skipped (why), or none. */
  recovery: { state: 'none' | 'pending' | 'written' | 'skipped' | 'failed'; id: string | null; message: string | null };
}

/** Where to save: a suggested path the page asks about (browser host), or the native dialog's choice (Electron; null: cancelled). */
export interface SaveTarget {
  /** True when the host showed its own Save dialog (which already asked about overwriting). */
  native: boolean;
  path: string | null;
  /** Whether the model is big enough that external data is advised. */
  suggestExternalData: boolean;
}

const recoveryIdSchema = z.string().regex(/^[\w-]{1,80}$/);

export const recoveryInfoSchema: z.ZodType<RecoveryInfo> = z.object({
  id: z.string(),
  name: z.string(),
  originalPath: z.string().nullable(),
  labels: z.array(z.string()),
  time: z.string(),
});

export const documentStateSchema: z.ZodType<DocumentState> = z.object({
  modelId: z.string(),
  unsaved: z.boolean(),
  savedPath: z.string().nullable(),
  recovery: z.object({ state: z.enum(['none', 'pending', 'written', 'skipped', 'failed']), id: z.string().nullable(), message: z.string().nullable() }),
});

export const saveTargetSchema: z.ZodType<SaveTarget> = z.object({ native: z.boolean(), path: z.string().nullable(), suggestExternalData: z.boolean() });

/** Rows of the API table (methods.ts) for documents' saved state and recovery. */
export const recoveryMethods = {
  getDocumentState: { params: z.strictObject({ modelId: modelIdSchema }), result: documentStateSchema },
  chooseSavePath: { params: z.strictObject({ modelId: modelIdSchema }), result: saveTargetSchema },
  listRecoveries: { params: z.strictObject({}), result: z.array(recoveryInfoSchema) },
  restoreRecovery: { params: z.strictObject({ id: recoveryIdSchema }), result: openedModelInfoSchema },
  discardRecovery: { params: z.strictObject({ id: recoveryIdSchema }), result: z.array(recoveryInfoSchema) },
};
