import { useCallback, useEffect, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { DocumentState } from '../../shared/protocol/recovery-api.js';

/** How often the page asks whether the document has unsaved steps (steps may come from any panel, or another client). */
const POLL_MS = 1000;

/**
 * The open document's saved state, kept fresh by polling the host (cheap: no model work), and
 * a beforeunload guard while it has unsaved steps, so a reload or close asks first.
 */
export function useDocumentState(backend: Backend | null, modelId: string | null): { state: DocumentState | null; refresh: () => void } {
  const [state, setState] = useState<DocumentState | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    setState(null);
    if (!backend || !modelId) return;
    let live = true;
    const ask = () =>
      backend.getDocumentState(modelId).then(
        (s) => live && setState((old) => (old && JSON.stringify(old) === JSON.stringify(s) ? old : s)),
        () => undefined,
      );
    void ask();
    const timer = setInterval(() => void ask(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [backend, modelId, tick]);

  const unsaved = state?.unsaved === true;
  useEffect(() => {
    if (!unsaved) return;
    const guard = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers (and Electron's will-prevent-unload) look at returnValue.
      e.returnValue = 'The model has unsaved changes.';
      return e.returnValue;
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [unsaved]);

  return { state, refresh };
}
