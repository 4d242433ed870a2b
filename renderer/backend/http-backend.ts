import { WorkbenchError } from '../../shared/errors.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { MethodName, MethodParams, MethodResult } from '../../shared/protocol/methods.js';
import { fromJson, parseEvent, unwrapResponse } from '../../shared/protocol/wire.js';
import { CallBackend } from './call-backend.js';

// Backend over the local server: POST /api/<method> with JSON, POST /api/upload for model bytes,
// and a WebSocket on /api/events for progress. Written against the few members of fetch and
// WebSocket it uses, so it runs in the page and in Node tests alike.

/** The part of a WebSocket this backend uses (the browser's and the `ws` package's both fit). */
export interface EventSocketLike {
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  close(): void;
}

export interface HttpBackendOptions {
  /** The server's origin, e.g. `http://127.0.0.1:5173` (the page's `location.origin`). */
  origin: string;
  /** The per-start token from the page's URL. */
  token: string;
  fetch?: typeof fetch;
  /** Opens the event socket (default: the global WebSocket). */
  openSocket?: (url: string) => EventSocketLike;
}

const TOKEN_HEADER = 'x-workbench-token';
/** Wait before reconnecting a dropped event socket (doubling up to the last). */
const RECONNECT_MS = [500, 1000, 2000, 5000];

export class HttpBackend extends CallBackend {
  private readonly listeners = new Set<(e: ProgressEvent) => void>();
  private socket: EventSocketLike | undefined;
  private reconnects = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: HttpBackendOptions) {
    super();
  }

  private async post(path: string, body: string | Uint8Array, type: string): Promise<unknown> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(`${this.options.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, [TOKEN_HEADER]: this.options.token },
        body: body as RequestInit['body'],
      });
    } catch (e) {
      throw new WorkbenchError('HOST_UNREACHABLE', `the workbench server does not answer (was it stopped?): ${(e as Error).message}`);
    }
    const text = await response.text();
    if (response.status === 401) throw new WorkbenchError('UNAUTHORIZED', 'the server refused this page\'s token; open the URL the server printed');
    try {
      return fromJson(text);
    } catch {
      throw new WorkbenchError('BAD_RESPONSE', `the server answered ${response.status} with something that is not JSON: ${text.slice(0, 80)}`);
    }
  }

  /** POST /api/download: the model's current state (a JSON envelope answers a refusal). */
  async downloadModel(modelId: string): Promise<{ name: string; bytes: Uint8Array }> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(`${this.options.origin}/api/download?modelId=${encodeURIComponent(modelId)}`, { method: 'POST', headers: { [TOKEN_HEADER]: this.options.token } });
    } catch (e) {
      throw new WorkbenchError('HOST_UNREACHABLE', `the workbench server does not answer (was it stopped?): ${(e as Error).message}`);
    }
    if (response.status === 401) throw new WorkbenchError('UNAUTHORIZED', "the server refused this page's token; open the URL the server printed");
    if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
      const r = fromJson(await response.text()) as { ok: boolean; error?: { code: string; message: string } };
      throw new WorkbenchError(r.error?.code ?? 'BAD_RESPONSE', r.error?.message ?? `download answered ${response.status}`);
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'model.onnx';
    return { name, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  protected async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    if (method === 'openModel') {
      const { source } = params as MethodParams<'openModel'>;
      if ('bytes' in source) {
        const raw = await this.post(`/api/upload?name=${encodeURIComponent(source.name)}`, source.bytes, 'application/octet-stream');
        return unwrapResponse('openModel', raw) as MethodResult<M>;
      }
    }
    return unwrapResponse(method, await this.post(`/api/${method}`, JSON.stringify(params), 'application/json'));
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  private connect(): void {
    if (this.socket || this.reconnectTimer !== undefined) return;
    const url = `${this.options.origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(this.options.token)}`;
    const open =
      this.options.openSocket ??
      ((u: string) => new (globalThis as unknown as { WebSocket: new (u: string) => EventSocketLike }).WebSocket(u));
    const socket = open(url);
    this.socket = socket;
    socket.onmessage = (e) => {
      this.reconnects = 0;
      let message;
      try {
        message = parseEvent(fromJson(String(e.data)));
      } catch (err) {
        console.warn(`ignoring an event: ${(err as Error).message}`);
        return;
      }
      if (message?.event === 'progress') for (const l of this.listeners) l(message.data);
    };
    socket.onerror = () => undefined; // onclose follows and reconnects
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.listeners.size === 0) return;
      const wait = RECONNECT_MS[Math.min(this.reconnects++, RECONNECT_MS.length - 1)];
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (this.listeners.size > 0) this.connect();
      }, wait);
    };
  }

  private disconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }
}
