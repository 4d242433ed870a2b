// Monaco is big (the editor and its workers are several hundred KB gzipped): it loads, once, when
// the first editor opens, never with the app.

export type MonacoModules = typeof import('./monaco-bundle.js');
export type MonacoApi = MonacoModules['monaco'];

let loading: Promise<MonacoModules> | undefined;

/** The Monaco modules, loading them the first time. */
export function loadMonaco(): Promise<MonacoModules> {
  loading ??= import('./monaco-bundle.js');
  loading.catch(() => (loading = undefined));
  return loading;
}
