import { useEffect, useRef, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { SavedModel } from '../../shared/protocol/operations-api.js';

// Save As in the browser host: the page cannot show a native dialog, so it asks for a path on
// the host (prefilled beside the original), offers external data for big models, and asks
// before replacing an existing file (the host refuses without `overwrite`).

/** Initializers of at least this many bytes go to the data file when external data is chosen. */
const EXTERNAL_THRESHOLD = 1024;

interface Props {
  backend: Backend;
  modelId: string;
  suggestedPath: string;
  suggestExternalData: boolean;
  onSaved(saved: SavedModel): void;
  onClose(): void;
}

export function SaveAsDialog({ backend, modelId, suggestedPath, suggestExternalData, onSaved, onClose }: Props) {
  const [path, setPath] = useState(suggestedPath);
  const [external, setExternal] = useState(suggestExternalData);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);

  const save = async (overwrite: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const saved = await backend.saveModel({ modelId, path, ...(overwrite ? { overwrite: true } : {}), ...(external ? { externalData: EXTERNAL_THRESHOLD } : {}) });
      onSaved(saved);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'FILE_EXISTS' && !overwrite) setConfirm(path);
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="save-as-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form
        className="panel save-as-dialog"
        role="dialog"
        aria-modal="true"
        aria-label="save as"
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void save(false);
        }}
      >
        <h2>Save As</h2>
        <label>
          Path on the host
          <input ref={input} type="text" aria-label="save path" value={path} spellCheck={false} onChange={(e) => (setPath(e.target.value), setConfirm(null))} />
        </label>
        <label className="save-as-external">
          <input type="checkbox" aria-label="external data" checked={external} onChange={(e) => setExternal(e.target.checked)} />
          {`Weights in a separate file (${path.replace(/^.*[\\/]/, '')}.data)`}
          {suggestExternalData ? <em> — advised: the model is large</em> : null}
        </label>
        {confirm ? (
          <div className="save-as-confirm" role="alertdialog" aria-label="confirm overwrite">
            <p>{`${confirm} already exists. Replace it?`}</p>
            <button type="button" onClick={() => void save(true)} disabled={busy} aria-label="replace the file">
              Replace
            </button>
            <button type="button" onClick={() => setConfirm(null)} disabled={busy}>
              Keep it
            </button>
          </div>
        ) : null}
        {error ? (
          <p className="save-as-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="save-as-buttons">
          <button type="submit" disabled={busy || !path.trim() || confirm !== null} aria-label="save">
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
