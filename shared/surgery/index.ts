// Graph surgery: manual edits of a model, each one journal transaction, validated or refused.
import { addOutput } from './add-output.js';
import { deleteNode } from './delete-node.js';
import { deleteSubtree } from './delete-subtree.js';
import type { SurgeryEdit } from './edit.js';
import { extractSubgraph } from './extract-subgraph.js';
import { inputShape } from './input-shape.js';
import { rename } from './rename.js';
import { setAttribute } from './set-attribute.js';
import { setInitializer } from './set-initializer.js';

export { addOutput, deleteNode, deleteSubtree, extractSubgraph, inputShape, rename, setAttribute, setInitializer };
export type { AddOutputOptions } from './add-output.js';
export type { DeleteNodeOptions } from './delete-node.js';
export type { DeleteSubtreeOptions } from './delete-subtree.js';
export type { EditOption, EditOptionType, EditReport, SurgeryEdit } from './edit.js';
export type { ExtractSubgraphOptions } from './extract-subgraph.js';
export { parseShapeText, type InputShapeOptions } from './input-shape.js';
export type { RenameOptions } from './rename.js';
export type { SetAttributeOptions } from './set-attribute.js';
export { SMALL_INITIALIZER, type SetInitializerOptions } from './set-initializer.js';

/** Every surgery edit, for listing beside the passes. */
export const SURGERY_EDITS: readonly SurgeryEdit<never>[] = [deleteNode, deleteSubtree, extractSubgraph, rename, setAttribute, setInitializer, inputShape, addOutput];
