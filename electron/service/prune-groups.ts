import type { IrModel } from '../../shared/ir/model.js';
import type { GroupReport } from '../../shared/operations/prune-channels-operation.js';
import type { PruneGroups } from '../../shared/protocol/prune-api.js';
import type { ModelEditor } from './model-editor.js';

// The coupled channel groups of a document for the app's Prune view: prune-channels' own dry run
// (so the groups, norms and unsafe reasons are exactly those the operation would act on), with the
// node ids the graph view marks. The dry run's sparsity only decides what it would remove, which
// the view does not show: it draws its own cut line.

/** Every group of the model (its main graph) with channel norms by `criterion`. */
export async function pruneGroups(editor: ModelEditor, ir: IrModel, criterion: 'l1' | 'l2', hidden = false): Promise<PruneGroups> {
  const { version, details } = await editor.dryRunDetails({ modelId: '', name: 'prune-channels', options: { criterion, sparsity: 0.5, ...(hidden ? { hidden } : {}) } });
  const ids = new Map<string, number>();
  for (const n of ir.graph.nodes) if (n.name) ids.set(n.name, n.id);
  const named = (name: string) => ({ name, id: ids.get(name) ?? -1 });
  const groups = ((details.groups as GroupReport[] | undefined) ?? []).map((g) => ({
    sources: g.sources.map(named),
    size: g.size,
    norms: g.norms,
    consumers: g.consumers.map((c) => named(c.node)),
    unsafe: g.unsafe ? { node: g.unsafe.node, id: ids.get(g.unsafe.node) ?? null, reason: g.unsafe.reason } : null,
    ...(g.headSize ? { headSize: g.headSize } : {}),
    ...(g.normalizedBy ? { normalizedBy: g.normalizedBy } : {}),
  }));
  return { version, criterion, groups };
}
