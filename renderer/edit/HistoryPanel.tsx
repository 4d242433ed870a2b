import { useEffect } from 'react';
import type { HistoryStep, StepVerification } from '../../shared/protocol/operations-api.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import { editsText } from '../app/edits-text.js';
import { QuantizeFigures } from '../quantize/QuantizeFigures.js';
import { PruneFigures } from '../prune/PruneFigures.js';
import { useStore } from '../state/use-store.js';
import type { EditActions } from './edit-actions.js';
import type { EditStore } from './edit-state.js';

// The history: the model as opened, then each step with its node counts and its verification
// (running with progress and a cancel button, passed or failed with max error and cosine).
// Clicking a step goes back (or forward) to it; Ctrl+Z and Ctrl+Shift+Z undo and redo.

function num(v: number | null): string {
  if (v === null) return '–';
  return v === 0 ? '0' : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
}

function Badge({ v, progress, onCancel }: { v: StepVerification; progress: ProgressEvent | undefined; onCancel(): void }) {
  if (v.state === 'none') return v.message ? <span className="badge badge-none" title={v.message}>not verified</span> : null;
  if (v.state === 'running') {
    const pct = progress ? Math.round((100 * progress.done) / Math.max(1, progress.total)) : 0;
    return (
      <span className="badge badge-running" aria-label="verification running">
        {`verifying ${pct}%`}
        <progress max={100} value={pct} />
        <button type="button" aria-label="cancel verification" onClick={(e) => (e.stopPropagation(), onCancel())}>
          ×
        </button>
      </span>
    );
  }
  const detail = v.state === 'passed' || v.state === 'failed' ? ` · max err ${num(v.maxAbsError)} · cos ${num(v.cosine)}` : '';
  return (
    <span className={`badge badge-${v.state}`} aria-label={`verification ${v.state}`} title={v.message ?? v.tolerance ?? ''}>
      {`${v.state}${detail}`}
    </span>
  );
}

export function HistoryPanel({ store, actions }: { store: EditStore; actions: EditActions }) {
  const s = useStore(store, (x) => x);
  const h = s.history;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || editsText(e.target as HTMLElement | null)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) void actions.undo();
      else if ((key === 'z' && e.shiftKey) || key === 'y') void actions.redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);

  if (!h) return null;
  const canUndo = h.state > 0;
  const canRedo = h.steps.some((st) => st.index > h.state);
  const row = (step: HistoryStep) => (
    <li key={step.index} className={step.index === h.state ? 'step current' : step.applied ? 'step' : 'step undone'}>
      <button type="button" className="step-go" aria-label={`go to step ${step.index}: ${step.label}`} aria-current={step.index === h.state ? 'step' : undefined} onClick={() => void actions.goToStep(step.index)}>
        <span className="step-label">{`${step.index}. ${step.label}`}</span>
        <span className="step-counts">{`${step.nodesBefore} → ${step.nodesAfter} nodes`}</span>
      </button>
      <Badge v={step.verification} progress={step.verification.jobId ? s.jobs.get(step.verification.jobId) : undefined} onCancel={() => step.verification.jobId && void actions.cancelJob(step.verification.jobId)} />
      {step.quantize ? <QuantizeFigures q={step.quantize} /> : null}
      {step.prune ? <PruneFigures p={step.prune} /> : null}
    </li>
  );
  return (
    <section className="panel history" aria-label="history">
      <h2>History</h2>
      <div className="op-buttons">
        <button type="button" onClick={() => void actions.undo()} disabled={!canUndo || s.busy !== null} title="Ctrl+Z">
          Undo
        </button>
        <button type="button" onClick={() => void actions.redo()} disabled={!canRedo || s.busy !== null} title="Ctrl+Shift+Z">
          Redo
        </button>
      </div>
      <ol className="steps">
        <li className={h.state === 0 ? 'step current' : 'step'}>
          <button type="button" className="step-go" aria-label="go to step 0: as opened" aria-current={h.state === 0 ? 'step' : undefined} onClick={() => void actions.goToStep(0)}>
            <span className="step-label">0. as opened</span>
          </button>
        </li>
        {h.steps.map(row)}
      </ol>
    </section>
  );
}
