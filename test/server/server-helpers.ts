import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { EventSocketLike } from '../../renderer/backend/http-backend.js';

export const SAMPLE = fileURLToPath(new URL('../../assets/sample.onnx', import.meta.url));
export const SILERO_V5 = fileURLToPath(new URL('../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url));

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with full control of path and headers (fetch normalizes `..` and forbids Host). */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** How a WebSocket upgrade went: 'open', or the HTTP status it was refused with. */
export function tryWebSocket(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** A WebSocket from the `ws` package for HttpBackend's openSocket (Node 20 has no global WebSocket). */
export function nodeSocket(url: string): EventSocketLike {
  // ws's event objects carry more than `data`; the backend reads only that.
  return new WebSocket(url) as unknown as EventSocketLike;
}
