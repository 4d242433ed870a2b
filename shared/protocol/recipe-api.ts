import './zod-config.js';
import { z } from 'zod';
import { jobInfoSchema, versionSchema } from './operation-schemas.js';
import { modelIdSchema } from './schemas.js';

// The Backend's part for recipes (shared/recipe): the history saved as one, a recipe run on an
// open model as a job (each step one history step), and the folder recipes are kept in, which
// the service remembers (the browser host cannot show a folder dialog: the page types a path).

/** A recipe file in the recipe folder. */
export interface RecipeFileInfo {
  /** The file name, `<name>.json`. */
  name: string;
  path: string;
  bytes: number;
}

/** The recipe folder and the recipes in it (folder null: none chosen yet). */
export interface RecipeFolder {
  folder: string | null;
  recipes: RecipeFileInfo[];
}

/** A recipe's text (the history as a recipe, or a file's contents). */
export interface RecipeText {
  name: string | null;
  text: string;
}

/** A recipe file name: letters, digits, `-`, `_`, `.` and spaces, ending in .json; never a path. */
export const recipeNameSchema = z.string().regex(/^[\w][\w .-]{0,120}\.json$/, 'a file name ending in .json (letters, digits, - _ . and spaces)');
const recipeTextSchema = z.string().max(4 << 20);

export const recipeFolderSchema: z.ZodType<RecipeFolder> = z.object({
  folder: z.string().nullable(),
  recipes: z.array(z.object({ name: z.string(), path: z.string(), bytes: z.number().int().nonnegative() })),
});
/** What the host's folder dialog gave: `native: false` where the host has none (the browser: type a path). */
export interface RecipeFolderChoice {
  native: boolean;
  /** The folder chosen and listed; null when the dialog was cancelled (or there is none). */
  folder: RecipeFolder | null;
}

export const recipeFolderChoiceSchema: z.ZodType<RecipeFolderChoice> = z.object({ native: z.boolean(), folder: recipeFolderSchema.nullable() });
export const recipeTextResultSchema: z.ZodType<RecipeText> = z.object({ name: z.string().nullable(), text: z.string() });

/** Rows of the API table (methods.ts) for recipes. */
export const recipeMethods = {
  /** The recipe format's JSON Schema, generated from the registry (for the editor's validation and completion). */
  getRecipeSchema: { params: z.strictObject({}), result: z.record(z.string(), z.unknown()) },
  /** The applied steps of a document's history as a recipe, with its verification settings. */
  historyRecipe: { params: z.strictObject({ modelId: modelIdSchema }), result: recipeTextResultSchema },
  /** Checks a recipe and runs it on the document as a job; each step is one history step, verified where it asks. */
  runRecipe: { params: z.strictObject({ modelId: modelIdSchema, text: recipeTextSchema, version: versionSchema.optional() }), result: jobInfoSchema },
  getRecipeFolder: { params: z.strictObject({}), result: recipeFolderSchema },
  /** Remembers the recipe folder (it must exist) and lists it. */
  setRecipeFolder: { params: z.strictObject({ folder: z.string().min(1).max(4096) }), result: recipeFolderSchema },
  /** The host's folder dialog (Electron) for the recipe folder, which it then uses as setRecipeFolder does. */
  chooseRecipeFolder: { params: z.strictObject({}), result: recipeFolderChoiceSchema },
  readRecipe: { params: z.strictObject({ name: recipeNameSchema }), result: recipeTextResultSchema },
  /** Saves a recipe in the folder (atomic; an existing file only with `overwrite`); refuses a recipe that does not check. */
  saveRecipe: { params: z.strictObject({ name: recipeNameSchema, text: recipeTextSchema, overwrite: z.boolean().optional() }), result: recipeFolderSchema },
};
