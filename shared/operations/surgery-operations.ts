import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import { SURGERY_EDITS, type EditOption, type SurgeryEdit } from '../surgery/index.js';
import { findNode } from '../surgery/find-node.js';
import type { ToleranceName } from '../verify/tolerance.js';
import { anyOperation, type Operation } from './operation.js';

// The graph-surgery edits (shared/surgery) as operations: their option lists become zod schemas,
// a one-node selection gives the node options, and the edit's own transaction nests in the
// operation's (so refusals roll back with it).

const fieldFor: Record<EditOption['type'], z.ZodType> = {
  node: z.string().min(1),
  value: z.string().min(1),
  name: z.string().min(1),
  text: z.string(),
  values: z.array(z.string().min(1)).min(1),
  shape: z.array(z.union([z.number().int().nonnegative(), z.string().min(1), z.null()])),
};

/** The options schema of an edit: one required field per option, nothing else. */
export function editOptionsSchema(edit: SurgeryEdit<never>): z.ZodType<Record<string, unknown>> {
  return z.strictObject(Object.fromEntries(edit.options.map((o) => [o.name, fieldFor[o.type].describe(o.description)])));
}

// Edits whose point is to keep what the model computes are verified bit-exact; those meant to
// change outputs or the interface (a new value, shape or attribute; a cut-out part) are not.
const KEEPS_OUTPUTS = new Set(['delete-node', 'delete-subtree', 'rename', 'add-output']);

// Options an edit can take from a selection of one node: the node itself, or (add-output) its first output.
function optionsFor(edit: SurgeryEdit<never>, model: IrModel, selection: readonly NodeId[] | undefined): Record<string, unknown> | undefined {
  if (selection?.length !== 1) return undefined;
  const found = model.findNode(selection[0]!);
  if (!found) return undefined;
  const names = edit.options.map((o) => o.type);
  if (names.length === 1 && names[0] === 'node') return { [edit.options[0]!.name]: String(found.node.id) };
  if (edit.name === 'add-output' && found.graph === model.graph && found.node.outputs[0] && !model.graph.isGraphOutput(found.node.outputs[0])) {
    return { value: found.node.outputs[0] };
  }
  return undefined;
}

/** A surgery edit as an operation. */
export function surgeryOperation(edit: SurgeryEdit<never>): Operation<Record<string, unknown>> {
  const tolerance: ToleranceName | null = KEEPS_OUTPUTS.has(edit.name) ? 'exact' : null;
  return {
    name: edit.name,
    description: edit.description,
    group: 'surgery',
    options: editOptionsSchema(edit),
    tolerance,
    requires: ['shapes'],
    optionsFor: (model, selection) => optionsFor(edit, model, selection),
    async run(ctx) {
      // A node the edit names must lie in the selection, when there is one.
      for (const o of edit.options) {
        if (o.type !== 'node' || !ctx.scope) continue;
        const { node } = findNode(ctx.model, String(ctx.options[o.name]));
        if (!ctx.scope.has(node.id)) throw new WorkbenchError('NOT_APPLICABLE', `${edit.name}: node ${node.label} is not in the selection`);
      }
      ctx.progress(0, 1, edit.name);
      const report = (edit as SurgeryEdit<Record<string, unknown>>).apply(ctx.model, ctx.options);
      ctx.progress(1, 1, report.summary);
      return { matches: 1, summary: report.summary };
    },
  };
}

/** Every surgery edit as an operation. */
export function surgeryOperations(): Operation<unknown>[] {
  return SURGERY_EDITS.map((e) => anyOperation(surgeryOperation(e)));
}
