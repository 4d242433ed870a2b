import type { Backend, GraphInfo, OpenedModelInfo, TensorInfo } from '../../shared/protocol/backend.js';

// The Backend the view benchmark builds into the renderer in place of renderer/backend/: it reads
// the model summary and graph the benchmark wrote as JSON (fetched and parsed on the page, as the
// HTTP transport does), so the measurement covers the renderer, not a particular host.

interface PageGlobals {
  location: { search: string };
}

const params = new URLSearchParams((globalThis as unknown as PageGlobals).location.search);
const base = `./bench-data/${params.get('model') ?? 'missing'}`;

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench backend: ${url}: ${response.status}`);
  return (await response.json()) as T;
}

/** The benchmark's Backend (same name as renderer/backend/index.ts exports). */
export function createBackend(): Backend {
  return {
    initialModel: () => json<OpenedModelInfo>(`${base}.model.json`),
    openModel: () => Promise.reject(new Error('bench backend: opening files is not measured here')),
    getGraph: () => json<GraphInfo>(`${base}.graph.json`),
    getTensor: (_modelId, _path, name): Promise<TensorInfo> =>
      Promise.resolve({ name, elemType: 'float', dims: [1], byteSize: 4, external: false, stats: null, histogram: null, first: [0] }),
    onProgress: () => () => {},
  };
}
