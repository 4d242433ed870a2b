import { useState } from 'react';
import type { OperationGroup } from '../../shared/operations/operation.js';
import type { OperationInfo } from '../../shared/protocol/operations-api.js';
import { formFields } from '../panels/schema-form.js';
import { useStore } from '../state/use-store.js';
import type { EditActions } from './edit-actions.js';
import type { EditStore } from './edit-state.js';
import { OptionsForm } from './OptionsForm.js';

// What applies to the selection (the whole graph when nothing is selected), grouped, each with
// its one-line description and what its dry run found. Clicking one previews it; one with
// options opens its form first. The preview's summary and Apply / Cancel sit on top.

const GROUPS: OperationGroup[] = ['cleanup', 'fusion', 'preset', 'surgery', 'quantization', 'pruning'];

function countText(op: OperationInfo): string {
  if (op.options === null) return 'needs options';
  if (!op.matches && op.nodesBefore === op.nodesAfter && !op.nodes.length) return 'nothing here';
  return `${op.matches} match${op.matches === 1 ? '' : 'es'} · ${op.nodesBefore} → ${op.nodesAfter} nodes`;
}

function OperationRow({ op, actions }: { op: OperationInfo; actions: EditActions }) {
  const [open, setOpen] = useState(false);
  const hasOptions = formFields(op.optionsSchema).length > 0;
  return (
    <li className="op-row">
      <div className="op-line">
        <button
          type="button"
          className="op-name"
          aria-label={`operation ${op.name}`}
          onClick={() => (op.options === null ? setOpen(true) : void actions.preview(op, op.options))}
        >
          <span>{op.name}</span>
          <span className="op-count">{countText(op)}</span>
        </button>
        {hasOptions ? (
          <button type="button" className="op-toggle" aria-label={`options of ${op.name}`} aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            ⚙
          </button>
        ) : null}
      </div>
      <div className="op-description">{op.description}</div>
      {open ? <OptionsForm schema={op.optionsSchema} values={op.options} label="Preview" onSubmit={(o) => void actions.preview(op, o)} /> : null}
    </li>
  );
}

export function OperationsPanel({ store, actions }: { store: EditStore; actions: EditActions }) {
  const s = useStore(store, (x) => x);
  const list = s.operations;
  const p = s.preview;
  const scope = list?.selection ? `${list.selection.length} selected node${list.selection.length === 1 ? '' : 's'}` : 'the whole graph';
  return (
    <section className="panel operations" aria-label="operations">
      <h2>Operations</h2>
      {p ? (
        <div className="op-preview" role="region" aria-label="preview">
          <strong>{p.op.name}</strong>
          <p aria-label="preview summary">
            {`${p.result.nodesBefore} → ${p.result.nodesAfter} nodes · ${p.result.removed.length} removed, ${p.result.changed.length} changed, ${p.result.addedCount} added`}
          </p>
          {p.result.summary ? <p>{p.result.summary}</p> : null}
          <div className="op-buttons">
            <button type="button" onClick={() => void actions.apply()} disabled={s.busy !== null}>
              Apply
            </button>
            <button type="button" onClick={actions.cancelPreview}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {s.busy ? <p className="op-busy" role="status">{s.busy}</p> : null}
      {s.error ? (
        <p className="op-error" role="alert" aria-label="edit error">
          {s.error}
        </p>
      ) : null}
      <div className="op-scope">
        <span>{`For ${scope}`}</span>
        <label>
          <input type="checkbox" checked={s.showAll} onChange={(e) => void actions.setShowAll(e.target.checked)} /> all
        </label>
      </div>
      {s.listing && !list ? <p>Finding what applies…</p> : null}
      {list && list.operations.length === 0 ? <p className="muted">Nothing applies here.</p> : null}
      {list
        ? GROUPS.map((g) => {
            const ops = list.operations.filter((o) => o.group === g);
            return ops.length ? (
              <div key={g} className="op-group">
                <h4>{g}</h4>
                <ul>
                  {ops.map((op) => (
                    <OperationRow key={`${list.version}:${op.name}:${list.selection?.join(',') ?? ''}`} op={op} actions={actions} />
                  ))}
                </ul>
              </div>
            ) : null;
          })
        : null}
    </section>
  );
}
