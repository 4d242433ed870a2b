import { useEffect, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { RecoveryInfo } from '../../shared/protocol/recovery-api.js';

// On start: unsaved work that an earlier run left (it crashed or was killed) is offered back,
// one entry at a time, newest first.

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function RecoveryPrompt({ backend, onRestore }: { backend: Backend; onRestore(id: string): Promise<void> }) {
  const [entries, setEntries] = useState<RecoveryInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    backend.listRecoveries().then(
      (list) => live && setEntries(list),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  const first = entries[0];
  if (!first) return error ? <div className="recovery-prompt" role="alert">{`Could not list recovery copies: ${error}`}</div> : null;
  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const steps = first.labels.length;
  return (
    <div className="recovery-prompt" role="alertdialog" aria-label="restore unsaved changes">
      <p>
        {`Restore unsaved changes to ${first.name} from ${when(first.time)}?`}
        <span className="recovery-detail">{` ${steps} step${steps === 1 ? '' : 's'}: ${first.labels.join(' → ') || '(none)'}${first.originalPath ? ` · ${first.originalPath}` : ''}`}</span>
      </p>
      <button
        type="button"
        disabled={busy}
        aria-label="restore"
        onClick={() =>
          void act(async () => {
            await onRestore(first.id);
            setEntries((l) => l.slice(1));
          })
        }
      >
        Restore
      </button>
      <button type="button" disabled={busy} aria-label="discard" onClick={() => void act(async () => setEntries(await backend.discardRecovery(first.id)))}>
        Discard
      </button>
      <button type="button" disabled={busy} onClick={() => setEntries((l) => l.slice(1))}>
        Later
      </button>
      {error ? <span className="save-as-error">{error}</span> : null}
    </div>
  );
}
