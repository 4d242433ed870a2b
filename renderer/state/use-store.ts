import { useSyncExternalStore } from 'react';
import type { Store } from './store.js';

/** Subscribes a component to one slice of a store (the selector must return a stable value). */
export function useStore<S extends object, T>(store: Store<S>, selector: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.get()));
}
