import { useEffect, useMemo, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { Mark } from '../app/actions.js';
import type { AppStore } from '../state/app-state.js';
import { createEditActions, type EditActions } from './edit-actions.js';
import { createEditStore, type EditStore } from './edit-state.js';

// Wires the editing part into the window: its store and actions, job progress from the backend,
// a fresh history for each opened model, and the operations re-listed when the selection settles.

const LIST_DELAY_MS = 150;

export function useEdit(app: AppStore, backend: Backend | null, mark: Mark): { store: EditStore; actions: EditActions | null } {
  const [store] = useState(createEditStore);
  const actions = useMemo(() => (backend ? createEditActions(app, store, backend, mark) : null), [app, store, backend, mark]);
  useEffect(() => () => actions?.dispose(), [actions]);
  useEffect(() => (backend && actions ? backend.onProgress((e) => actions.progress(e)) : undefined), [backend, actions]);
  useEffect(() => {
    if (!actions) return;
    let model = app.get().model;
    let selection = app.get().selection;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (model) void actions.reset();
    const unsubscribe = app.subscribe(() => {
      const s = app.get();
      if (s.model !== model) {
        model = s.model;
        selection = s.selection;
        clearTimeout(timer);
        void actions.reset();
      } else if (s.selection !== selection) {
        selection = s.selection;
        clearTimeout(timer);
        timer = setTimeout(() => void actions.list(), LIST_DELAY_MS);
      }
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [app, actions]);
  return { store, actions };
}
