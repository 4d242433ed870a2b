import { useCallback, useEffect, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { SavedModel } from '../../shared/protocol/operations-api.js';
import type { SaveTarget } from '../../shared/protocol/recovery-api.js';
import { SaveAsDialog } from './SaveAsDialog.js';
import { useDocumentState } from './use-document-state.js';

// The toolbar's save part: an "unsaved" mark (with the recovery copy's state in its tooltip),
// Save As… (button and Ctrl+Shift+S), and what the last save wrote, with a link to open it.

interface Props {
  backend: Backend;
  modelId: string;
  onOpenPath(path: string): void;
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export function SaveControls({ backend, modelId, onOpenPath }: Props) {
  const { state, refresh } = useDocumentState(backend, modelId);
  const [target, setTarget] = useState<SaveTarget | null>(null);
  const [saved, setSaved] = useState<SavedModel | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setSaved(null);
    setTarget(null);
  }, [modelId]);

  const done = useCallback(
    (s: SavedModel) => {
      setTarget(null);
      setSaved(s);
      refresh();
    },
    [refresh],
  );

  const saveAs = useCallback(async () => {
    setError(null);
    try {
      const t = await backend.chooseSavePath(modelId);
      if (!t.native) return setTarget(t);
      if (t.path === null) return; // the native dialog was cancelled
      // The native dialog asked about replacing an existing file already.
      const external = t.suggestExternalData && window.confirm('The model is large: save its weights in a separate .data file?');
      done(await backend.saveModel({ modelId, path: t.path, overwrite: true, ...(external ? { externalData: 1024 } : {}) }));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [backend, modelId, done]);

  const download = useCallback(async () => {
    setError(null);
    try {
      const { name, bytes } = await backend.downloadModel!(modelId);
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [backend, modelId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveAs();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [saveAs]);

  const recovery = state?.recovery;
  const title = recovery?.message ?? (recovery?.state === 'written' ? 'a recovery copy is kept until you save' : 'steps not saved yet');
  return (
    <span className="save-controls">
      {state?.unsaved ? (
        <span className={`unsaved-mark${recovery?.state === 'skipped' || recovery?.state === 'failed' ? ' unsaved-at-risk' : ''}`} aria-label="unsaved changes" title={title}>
          ● unsaved
        </span>
      ) : null}
      <button type="button" onClick={() => void saveAs()} aria-label="save as" title="Save As… (Ctrl+Shift+S)">
        Save As…
      </button>
      {backend.downloadModel ? (
        <button type="button" onClick={() => void download()} aria-label="download the model" title="Download the current state (the browser saves it)">
          Download
        </button>
      ) : null}
      {saved && !state?.unsaved ? (
        <span className="saved-note" role="status" aria-label="saved">
          {`Saved ${saved.nodeCount} nodes (${formatBytes(saved.bytes)}) to ${saved.path} `}
          <button type="button" className="link" onClick={() => onOpenPath(saved.path)} aria-label="open the saved file">
            Open it
          </button>
        </span>
      ) : null}
      {error ? (
        <span className="save-as-error" role="alert">
          {error}
        </span>
      ) : null}
      {target && target.path !== null ? (
        <SaveAsDialog backend={backend} modelId={modelId} suggestedPath={target.path} suggestExternalData={target.suggestExternalData} onSaved={done} onClose={() => setTarget(null)} />
      ) : null}
    </span>
  );
}
