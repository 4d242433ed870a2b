// What a load test needs before it starts: the model's infer URL on a KServe v2 server, its
// input metadata (asked of the server) and the request body (from a file, or generated for
// those inputs). Shared by `onnx-workbench load` and the app's load test button.

import { WorkbenchError } from '../../shared/errors.js';
import { loadBody } from './load-inputs.js';

export interface LoadTargetOptions {
  /** The server's base URL (`http://127.0.0.1:8000`), no trailing slash. */
  base: string;
  model: string;
  version?: string;
  /** Sent with every request (a token's Authorization header). */
  headers: Record<string, string>;
  /** A request (.json) or values (.npy/.pb) to send; generated values when absent. */
  inputsPath?: string;
  batch?: number;
  seed?: number;
}

export interface LoadTarget {
  /** `…/v2/models/NAME[/versions/V]` (the metadata URL; `/infer` is appended for requests). */
  modelUrl: string;
  inferUrl: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

export async function prepareLoadTarget(o: LoadTargetOptions): Promise<LoadTarget> {
  const modelUrl = `${o.base}/v2/models/${encodeURIComponent(o.model)}${o.version !== undefined ? `/versions/${encodeURIComponent(o.version)}` : ''}`;
  let meta: { inputs: { name: string; datatype: string; shape: number[] }[] };
  try {
    const r = await fetch(modelUrl, { headers: o.headers, signal: AbortSignal.timeout(10_000) });
    if (!r.ok) throw new WorkbenchError('SERVER_REFUSED', `${modelUrl}: ${r.status} ${((await r.json().catch(() => ({}))) as { error?: string }).error ?? r.statusText}`);
    meta = (await r.json()) as typeof meta;
  } catch (e) {
    if (e instanceof WorkbenchError) throw e;
    throw new WorkbenchError('UNREACHABLE', `cannot reach ${modelUrl}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
  const body = await loadBody(meta.inputs, o.inputsPath, o.batch ?? 1, o.seed ?? 0);
  return { modelUrl, inferUrl: `${modelUrl}/infer`, body: body.body, headers: { ...o.headers, ...body.headers } };
}
