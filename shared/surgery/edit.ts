import type { IrModel } from '../ir/model.js';

/** What an option of an edit names, so that a form or the CLI knows how to ask for it. */
export type EditOptionType = 'node' | 'value' | 'values' | 'name' | 'text' | 'shape';

/** One option of an edit (the schema a later operation registry shows and checks). */
export interface EditOption {
  readonly name: string;
  readonly type: EditOptionType;
  readonly description: string;
}

/** What one applied edit did. */
export interface EditReport {
  /** The edit's name (`delete-node`...). */
  readonly edit: string;
  /** One line: what changed, naming the nodes and values. */
  readonly summary: string;
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  /** Journal state before the edit; the edit is the one transaction after it. */
  readonly stateBefore: number;
  /** Declared types (value_info, graph outputs) rewritten because the edit changed what inference finds. */
  readonly annotationsUpdated: number;
}

/**
 * A manual graph edit ("surgery"), shaped like a Pass (shared/rewrite/pass.ts): a name, a one-line
 * description and an options schema, and an apply that is one journal transaction. An edit that
 * would leave an invalid model (a dangling value, a node shape inference rejects) throws a
 * WorkbenchError naming why, and the model is left exactly as it was.
 */
export interface SurgeryEdit<O> {
  readonly name: string;
  readonly description: string;
  readonly group: 'surgery';
  readonly options: readonly EditOption[];
  apply(model: IrModel, options: O): EditReport;
}
